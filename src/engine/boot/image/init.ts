// The boot image's /init, a busybox shell script: mount the kernel's file systems, load the NIC
// and disk drivers, bring up the NIC the machine booted from (mcshell.mac on the kernel command
// line) by DHCP, and run the client agent's PXE mode, which restarts the machine when its task
// sequence ends with a Restart step. Everything it does is said on every console
// the command line names (console=ttyS0 console=tty0: the serial log and the screen). When the
// agent fails the machine stays here with the error on its consoles: it never restarts in a loop.

/** Busybox's DHCP client calls this with the lease; it configures the interface and the default route. */
export const UDHCPC_SCRIPT = `#!/bin/sh
case "$1" in
  deconfig) ip -4 addr flush dev "$interface"; ip link set "$interface" up ;;
  bound|renew)
    ip -4 addr flush dev "$interface"
    ip addr add "$ip/\${mask:-24}" \${broadcast:+broadcast "$broadcast"} dev "$interface"
    for gateway in $router; do ip route add default via "$gateway" dev "$interface" && break; done
    echo "$ip" > /run/mcshell-address ;;
esac
exit 0
`;

export const INIT_SCRIPT = `#!/bin/sh
export PATH=/bin HOME=/root TERM=linux
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /dev/pts /run /tmp
mount -t tmpfs tmpfs /run
mount -t tmpfs tmpfs /tmp
ln -sf /proc/self/fd /dev/fd

# The consoles of the command line (the last one is /dev/console): say everything on each.
CONSOLES=
for word in $(cat /proc/cmdline); do
  case "$word" in
    console=*) name=\${word#console=}; name=\${name%%,*}; [ -c "/dev/$name" ] && CONSOLES="$CONSOLES /dev/$name" ;;
    mcshell.mac=*) MAC=\${word#mcshell.mac=} ;;
    mcshell.dryrun|mcshell.dryrun=1) DRYRUN=--dry-run ;;
  esac
done
[ -n "$CONSOLES" ] || CONSOLES=/dev/console
say() { for console in $CONSOLES; do echo "mcshell: $*" > "$console"; done; }
# Stay in the boot image with the reason on the consoles; never restart in a loop.
stay() {
  say "$*"
  say "the machine stays in the boot image; fix the cause (Get-TSDeployment on the site shows it) and restart it."
  while :; do sleep 3600; done
}

say "mcshell boot image running on kernel $(uname -r)"
loaded=0
while read -r module; do
  case "$module" in ''|'#'*) continue ;; esac
  if insmod "/lib/modules/$(uname -r)/$module" 2>/tmp/insmod.err; then loaded=$((loaded + 1))
  elif ! grep -q 'File exists' /tmp/insmod.err; then say "driver \${module##*/} not loaded: $(cat /tmp/insmod.err)"; fi
done < /etc/mcshell/modules
say "loaded $loaded driver module(s)"

NIC=
if [ -n "$MAC" ]; then
  # Drivers probe their devices asynchronously: give the booting NIC a few seconds to appear.
  tries=0
  while [ -z "$NIC" ] && [ $tries -lt 20 ]; do
    for dev in /sys/class/net/*; do
      [ "$(cat "$dev/address" 2>/dev/null)" = "$MAC" ] && NIC=\${dev##*/}
    done
    [ -n "$NIC" ] || { tries=$((tries + 1)); sleep 0.5; }
  done
  [ -n "$NIC" ] || stay "no network interface has the MAC address $MAC that the machine booted from: its driver is not in this boot image (add it with New-BootImage -Driver)"
  ip link set lo up
  say "the machine booted from $NIC ($MAC)"
fi
if [ -n "$NIC" ] && [ -z "$DRYRUN" ]; then
  say "bringing up $NIC by DHCP"
  udhcpc -i "$NIC" -s /etc/mcshell/udhcpc.script -q -n -t 10 -T 2 >/tmp/udhcpc.log 2>&1 || stay "no DHCP answer on $NIC: $(tail -n 1 /tmp/udhcpc.log)"
  say "$NIC has the address $(cat /run/mcshell-address)"
elif [ -z "$NIC" ]; then
  say "no mcshell.mac on the kernel command line: the network is not brought up"
fi

# The agent's output goes to every console; its exit status is kept through the pipe.
set -o pipefail
say "starting the client agent"
# The agent restarts the machine itself when its task sequence ends with a Restart step.
if mcshell client --pxe \${NIC:+--interface "$NIC"} $DRYRUN 2>&1 | tee $CONSOLES > /dev/null; then
  stay "the client agent finished without restarting the machine"
fi
stay "the client agent failed (its last lines above say why)"
`;
