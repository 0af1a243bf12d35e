#!/usr/bin/env bash
# msi.sh DIR OUT.msi: builds Earshot's MSI with wixl from DIR/earshot.exe,
# DIR/earshotd.exe and DIR/earshot.ico, then patches what wixl cannot write
# with msibuild:
#   - Component conditions, so a property writes its registry value only when
#     it is set (wixl has no <Condition> under <Component>);
#   - SecureCustomProperties: every public property, so msiexec passes them
#     from the command line to the elevated install (wixl writes this row for
#     MajorUpgrade itself, and a hand-written one makes it fail);
#   - MsiLockPermissionsEx: HKLM\Software\Earshot\Protected, where PASSWORD
#     goes, readable only by SYSTEM and Administrators (wixl has no <Permission>).
# wixl itself writes the ServiceInstall and ServiceControl rows of the
# "Earshot password protection" service (earshotd protect-secrets, LocalSystem,
# started at install and at boot), which seals that PASSWORD with machine-scope
# DPAPI into HKLM\Software\Earshot\PASSWORDDPAPI for every user's Earshot and
# deletes the clear value (app/config/secret_machine.go).
set -euo pipefail
cd "$(dirname "$0")/../.."
. packaging/version.sh
dir=$1 out=$2
work=${EARSHOT_MSI_WORK:-build/windows/msi}
rm -rf "$work" && mkdir -p "$work"
# wixl takes sources relative to where it runs: copy them beside the .wxs.
cp "$dir/earshot.exe" "$dir/earshotd.exe" "$dir/earshot.ico" "$work/"

# The installer properties of docs/configuration.md, as the seed's guide names them. Each
# is written to HKLM\Software\Earshot (PASSWORD to ...\Protected) and read back
# on an upgrade so the settings stay when msiexec does not repeat them.
props="ANALYTICSENDPOINT DEVICEMANAGEMENTENDPOINT USERNAME PASSWORD TRAYICON CHECKFORUPDATESINTERVALMINUTES BACKENDTYPE BACKENDCONFIGURATION DEVICECAPABILITIESENDPOINT PEOPLECOUNTHEARTBEATINTERVALMINUTES CATALOGDIR"
guid() { # a GUID that stays the same for NAME across versions (upgrades keep components)
	local h
	h=$(printf 'earshot-msi-%s' "$1" | md5sum | cut -c1-32)
	echo "${h:0:8}-${h:8:4}-${h:12:4}-${h:16:4}-${h:20:12}" | tr a-f A-F
}
# PASSWORDDPAPI: the sealed password the service writes. The MSI owns the
# value (an empty placeholder on a first install), so uninstalling removes it;
# an upgrade reads it back like the properties, so the password stays.
properties="    <Property Id=\"PASSWORDDPAPI\">
      <RegistrySearch Id=\"Find_PASSWORDDPAPI\" Root=\"HKLM\" Key=\"Software\\Earshot\" Name=\"PASSWORDDPAPI\" Type=\"raw\" Win64=\"yes\"/>
    </Property>"$'\n'
components="          <Component Id=\"Reg_PASSWORDDPAPI\" Guid=\"$(guid PASSWORDDPAPI)\" Win64=\"yes\">
            <RegistryValue Id=\"RegV_PASSWORDDPAPI\" Root=\"HKLM\" Key=\"Software\\Earshot\" Name=\"PASSWORDDPAPI\" Type=\"string\" Value=\"[PASSWORDDPAPI]\" KeyPath=\"yes\"/>
          </Component>"$'\n'
refs="      <ComponentRef Id=\"Reg_PASSWORDDPAPI\"/>"$'\n'
for p in $props; do
	if [ "$p" = PASSWORD ]; then
		properties+="    <Property Id=\"PASSWORD\"/>"$'\n'
		components+="          <Component Id=\"Reg_$p\" Guid=\"$(guid "$p")\" Win64=\"yes\">
            <RegistryValue Id=\"RegV_$p\" Root=\"HKLM\" Key=\"Software\\Earshot\\Protected\" Name=\"$p\" Type=\"string\" Value=\"[$p]\" KeyPath=\"yes\"/>
          </Component>"$'\n'
	else
		properties+="    <Property Id=\"$p\">
      <RegistrySearch Id=\"Find_$p\" Root=\"HKLM\" Key=\"Software\\Earshot\" Name=\"$p\" Type=\"raw\" Win64=\"yes\"/>
    </Property>"$'\n'
		components+="          <Component Id=\"Reg_$p\" Guid=\"$(guid "$p")\" Win64=\"yes\">
            <RegistryValue Id=\"RegV_$p\" Root=\"HKLM\" Key=\"Software\\Earshot\" Name=\"$p\" Type=\"string\" Value=\"[$p]\" KeyPath=\"yes\"/>
          </Component>"$'\n'
	fi
	refs+="      <ComponentRef Id=\"Reg_$p\"/>"$'\n'
done

cat >"$work/earshot.wxs" <<WXS
<?xml version="1.0" encoding="utf-8"?>
<Wix xmlns="http://schemas.microsoft.com/wix/2006/wi">
  <Product Id="*" Name="Earshot" Language="1033" Version="$EARSHOT_VERSION" Manufacturer="The Earshot authors"
      UpgradeCode="7E1B6C0A-52D4-4F3B-9A8E-3C2D1B0A9F84">
    <Package InstallerVersion="500" Compressed="yes" InstallScope="perMachine"
        Description="Earshot $EARSHOT_VERSION" Comments="commit $EARSHOT_COMMIT, built $EARSHOT_DATE"/>
    <MajorUpgrade DowngradeErrorMessage="A newer version of Earshot is already installed."/>
    <Media Id="1" Cabinet="earshot.cab" EmbedCab="yes"/>
    <Icon Id="earshot.ico" SourceFile="earshot.ico"/>
    <Property Id="ARPPRODUCTICON" Value="earshot.ico"/>
    <Property Id="ARPURLINFOABOUT" Value="https://github.com/earshot-app/earshot"/>
    <!-- Never in the MSI log. -->
    <Property Id="MsiHiddenProperties" Value="PASSWORD;PASSWORDDPAPI"/>
$properties
    <Directory Id="TARGETDIR" Name="SourceDir">
      <Directory Id="ProgramFiles64Folder">
        <Directory Id="INSTALLDIR" Name="Earshot">
          <Component Id="App" Guid="$(guid app)" Win64="yes">
            <File Id="earshot.exe" Name="earshot.exe" Source="earshot.exe" KeyPath="yes"/>
            <!-- Start at logon, for every user: the window's tray icon (or not) as TRAYICON says. -->
            <RegistryValue Root="HKLM" Key="Software\\Microsoft\\Windows\\CurrentVersion\\Run" Name="Earshot"
                Type="string" Value="&quot;[INSTALLDIR]earshot.exe&quot;"/>
          </Component>
          <Component Id="Daemon" Guid="$(guid daemon)" Win64="yes">
            <File Id="earshotd.exe" Name="earshotd.exe" Source="earshotd.exe" KeyPath="yes"/>
            <!-- Seals the MSI's PASSWORD for every user (machine-scope DPAPI); see the top of this file. -->
            <ServiceInstall Id="ProtectService" Name="EarshotProtect" DisplayName="Earshot password protection"
                Description="Seals the password given to the Earshot installer with machine-scope DPAPI so every user's Earshot can use it, and deletes its clear copy."
                Type="ownProcess" Start="auto" ErrorControl="normal" Account="LocalSystem" Arguments="protect-secrets"/>
            <ServiceControl Id="ProtectServiceControl" Name="EarshotProtect" Start="install" Stop="both" Remove="uninstall" Wait="yes"/>
          </Component>
$components        </Directory>
      </Directory>
      <Directory Id="ProgramMenuFolder">
        <Component Id="StartMenu" Guid="$(guid startmenu)" Win64="yes">
          <Shortcut Id="EarshotShortcut" Name="Earshot" Target="[INSTALLDIR]earshot.exe" WorkingDirectory="INSTALLDIR" Icon="earshot.ico"/>
          <RegistryValue Root="HKLM" Key="Software\\Earshot\\Installer" Name="StartMenuShortcut" Type="integer" Value="1" KeyPath="yes"/>
        </Component>
      </Directory>
    </Directory>
    <Feature Id="Earshot" Level="1">
      <ComponentRef Id="App"/>
      <ComponentRef Id="Daemon"/>
      <ComponentRef Id="StartMenu"/>
$refs    </Feature>
  </Product>
</Wix>
WXS
(cd "$work" && wixl -a x64 -o earshot.msi earshot.wxs) 2> >(grep -v '^$' | grep -v GLib-GObject-WARNING >&2)

# Patch 1: component conditions.
(cd "$work" && msiinfo export earshot.msi Component | tr -d "\r" >Component.idt)
for p in $props; do
	awk -F'\t' -v OFS='\t' -v c="Reg_$p" -v p="$p" 'NR>3 && $1==c {$5=p} {print}' "$work/Component.idt" >"$work/Component.tmp"
	mv "$work/Component.tmp" "$work/Component.idt"
done
# Patch 2: SecureCustomProperties = wixl's own plus every public property.
(cd "$work" && msiinfo export earshot.msi Property | tr -d "\r" >Property.idt)
secure=$(awk -F'\t' '$1=="SecureCustomProperties"{print $2}' "$work/Property.idt")
awk -F'\t' -v OFS='\t' -v s="$secure;$(echo $props PASSWORDDPAPI | tr ' ' ';')" '$1=="SecureCustomProperties"{$2=s} {print}' \
	"$work/Property.idt" >"$work/Property.tmp" && mv "$work/Property.tmp" "$work/Property.idt"
# Patch 3: the Protected key: SYSTEM and Administrators only, nothing inherited.
regrow=$(msiinfo export "$work/earshot.msi" Registry | awk -F'\t' '$4=="PASSWORD"{print $1}')
[ -n "$regrow" ] || { echo "msi.sh: no Registry row for PASSWORD" >&2; exit 1; }
printf 'MsiLockPermissionsEx\tLockObject\tTable\tSDDLText\tCondition\ns72\ts72\ts32\tl0\tS255\nMsiLockPermissionsEx\tMsiLockPermissionsEx\nLockProtected\t%s\tRegistry\tD:PAI(A;;KA;;;SY)(A;;KA;;;BA)\t\n' \
	"$regrow" >"$work/MsiLockPermissionsEx.idt"
(cd "$work" && msibuild earshot.msi -i Component.idt && msibuild earshot.msi -i Property.idt &&
	msibuild earshot.msi -i MsiLockPermissionsEx.idt)
cp "$work/earshot.msi" "$out"
echo "built $out"
