# Builds and packages Earshot. The version comes from VERSION (packaging/version.sh).
#   make build             both binaries for this machine, stamped, in bin/
#   make package-linux     .deb and tarball in dist/ (packaging/linux)
#   make package-windows   earshot.exe, earshotd.exe and the MSI in dist/ (packaging/windows)
#   make package-macos     Earshot.app and the DMG (on a Mac; packaging/macos)
#   make check-linux       installs the .deb into a clean Debian chroot and purges it
.PHONY: build package-linux package-windows package-macos check-linux clean

build:
	bash packaging/build.sh

package-linux:
	bash packaging/linux/package.sh

package-windows:
	bash packaging/windows/package.sh

package-macos:
	bash packaging/macos/package.sh

check-linux: package-linux
	bash packaging/linux/check.sh

clean:
	rm -rf bin dist build
