pkginclude_HEADERS += include/hvmlink/protocol.h
# pkg-config finds the installed headers (hvmlink.pc, headers only).
pkgconfig_DATA = hvmlink.pc
