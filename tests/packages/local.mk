# debian/ is in the release tarball, so an unpacked tarball builds the same
# packages (dpkg-buildpackage -us -uc -b).  tests/packages/ and
# scripts/build-debs are not: like scripts/run-tests, they run from a git
# checkout (the packages stage builds from the files git knows).
EXTRA_DIST += \
	debian/changelog \
	debian/control \
	debian/copyright \
	debian/rules \
	debian/source/format \
	debian/hvmlink-dev.docs \
	debian/hvmlink-dev.install \
	debian/hvmlink-dkms.dkms \
	debian/hvmlink-dkms.install \
	debian/hvmlink-dkms.postinst \
	debian/hvmlink-guest.docs \
	debian/hvmlink-guest.install \
	debian/hvmlink-guest.lintian-overrides \
	debian/hvmlink-guest.postinst \
	debian/hvmlink-guest.prerm \
	debian/hvmlink-host.docs \
	debian/hvmlink-host.install \
	debian/hvmlink-host.postinst \
	debian/hvmlink-host.postrm
