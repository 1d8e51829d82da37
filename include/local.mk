pkginclude_HEADERS += include/hvmlink/protocol.h
