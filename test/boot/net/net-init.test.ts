/**
 * The init's net.sh (ip=, gk.net.*) against stand-in ip/udhcpc/hostname (see
 * fragment-harness.ts): every ip= form becomes the right `ip` calls, and an ip= the init cannot
 * read is one clear line and no network, within its bounds. Booted: test/boot/net/static-ssh.test.ts.
 */
import { describe, test, expect } from 'vitest';
import { runFragments } from '../storage/fragment-harness.js';

/** A fake /sys/class/net with eth0 (MAC 52:54:00:12:34:56) and lo, then gk_net_start. */
const START = `GK_SYS_NET=$(mktemp -d)
mkdir "$GK_SYS_NET/lo" "$GK_SYS_NET/eth0"
echo 52:54:00:12:34:56 >"$GK_SYS_NET/eth0/address"
if gk_net_start /etc/gk-udhcpc.script; then echo "NET-UP iface=$GK_NET_IFACE"; else echo "NET-DOWN"; fi`;

const tools = (udhcpcRc = 0) => ({ ip: 'exit 0', udhcpc: `exit ${udhcpcRc}`, hostname: 'exit 0' });
const net = (cmdline: string, udhcpcRc = 0) => runFragments({ fragments: [], cmdline, tools: tools(udhcpcRc), steps: START });

describe('net.sh: ip= and gk.net.*', () => {
  test('ip=ADDR/CIDR sets exactly that address (not ADDR/CIDR/CIDR); gk.net.gw= and gk.net.routes= add routes', () => {
    const r = net('ip=10.0.2.15/24 gk.net.gw=10.0.2.2 gk.net.routes=192.168.7.0/24,10.9.0.0/16:10.0.2.3');
    expect(r.output).toContain('NET-UP iface=eth0');
    expect(r.calls).toContain('ip addr add 10.0.2.15/24 dev eth0');
    expect(r.calls).toContain('ip route add 192.168.7.0/24 dev eth0');
    expect(r.calls).toContain('ip route add 10.9.0.0/16 via 10.0.2.3 dev eth0');
    expect(r.calls).toContain('ip route add default via 10.0.2.2 dev eth0');
    expect(r.output).toContain('net: eth0 is 10.0.2.15/24 via 10.0.2.2');
  });

  test('the kernel form, netmask dotted or a prefix; hostname and device from its fields', () => {
    const dotted = net('ip=10.0.2.15::10.0.2.2:255.255.255.0:gkhost:eth0:off');
    expect(dotted.calls).toContain('ip addr add 10.0.2.15/24 dev eth0');
    expect(dotted.calls).toContain('ip route add default via 10.0.2.2 dev eth0');
    expect(dotted.calls).toContain('hostname gkhost');
    const prefix = net('ip=172.16.5.9::172.16.0.1:12:::none');
    expect(prefix.calls).toContain('ip addr add 172.16.5.9/12 dev eth0');
    // A client address without a netmask gets its class's prefix, as the kernel does.
    expect(net('ip=10.1.2.3').calls).toContain('ip addr add 10.1.2.3/8 dev eth0');
  });

  test('dhcp in every spelling runs udhcpc with gk.net.dhcp.retries and gk.net.timeout.dhcp', () => {
    for (const cmdline of ['ip=dhcp', '', 'ip=:::::eth0:dhcp', 'ip=::::::any']) {
      const r = net(`${cmdline} gk.net.dhcp.retries=5 gk.net.timeout.dhcp=4`);
      expect(r.output, cmdline).toContain('NET-UP iface=eth0');
      expect(r.calls, cmdline).toContain('udhcpc -i eth0 -s /etc/gk-udhcpc.script -q -n -t 5 -T 4');
    }
    // genkernel's defaults: 3 requests of 10 s.
    expect(net('ip=dhcp').calls).toContain('udhcpc -i eth0 -s /etc/gk-udhcpc.script -q -n -t 3 -T 10');
    // gk.net.gw= is for static addresses only.
    expect(net('ip=dhcp gk.net.gw=10.0.2.9').calls.some((c) => c.includes('10.0.2.9'))).toBe(false);
  });

  test('no lease: one line naming the interface and the tries, no network', () => {
    const r = net('ip=dhcp gk.net.dhcp.retries=2 gk.net.timeout.dhcp=1', 1);
    expect(r.output).toContain('!! net: no DHCP lease on eth0 after 2 requests of 1 s');
    expect(r.output).toContain('NET-DOWN');
  });

  test('gk.net.iface= by name or by MAC address; gk.net.timeout.interface bounds the wait', () => {
    expect(net('ip=10.0.2.15/24 gk.net.iface=52-54-00-12-34-56').output).toContain('NET-UP iface=eth0');
    const started = Date.now();
    const r = net('ip=10.0.2.15/24 gk.net.iface=eth7 gk.net.timeout.interface=1');
    expect(Date.now() - started).toBeLessThan(8_000);
    expect(r.output).toContain('waiting up to 1 s for network interface eth7');
    expect(r.output).toContain('!! net: network interface eth7 did not appear within 1 s');
    expect(r.output).toContain('NET-DOWN');
  });

  test.each([
    ['ip=10.0.2.300/24', 'ip=10.0.2.300/24 is not a form this init understands'],
    ['ip=10.0.2.15/40', 'ip=10.0.2.15/40 is not a form'],
    ['ip=banana', 'ip=banana is not a form'],
    ['ip=10.0.2.15::10.0.2.2:255.0.255.0::eth0:off', "netmask '255.0.255.0' is neither a dotted mask nor a prefix length"],
    ['ip=10.0.2.15::gw:24::eth0:off', "gateway 'gw' is not an IPv4 address"],
    ['ip=10.0.2.15:::24::eth0:bootme', "autoconf 'bootme' is none of"],
    ['ip=:::24::eth0:off', "autoconf 'off' needs a client address"],
  ])('%s: one clear line, no interface touched', (cmdline, line) => {
    const r = net(cmdline);
    expect(r.output).toContain(line);
    expect(r.output).toContain('NET-DOWN');
    expect(r.calls.filter((c) => c.startsWith('ip ') || c.startsWith('udhcpc'))).toEqual([]);
  });

  test('a non-numeric gk.net.* value: a warning and the default', () => {
    const r = net('ip=dhcp gk.net.dhcp.retries=many');
    expect(r.output).toContain("'gk.net.dhcp.retries=many' is not a number -- using the default 3");
    expect(r.calls).toContain('udhcpc -i eth0 -s /etc/gk-udhcpc.script -q -n -t 3 -T 10');
  });

  test('gk_net_stop deconfigures within gk.net.timeout.deconfiguration, unless the root needs the network', () => {
    const stop = (keep: string) =>
      runFragments({
        fragments: [],
        cmdline: 'ip=10.0.2.15/24 gk.net.timeout.deconfiguration=1',
        tools: tools(),
        steps: `${START}\necho down >"$GK_SYS_NET/eth0/operstate"\n${keep}\ngk_net_stop`,
      });
    const r = stop('');
    expect(r.calls).toContain('ip addr flush dev eth0');
    expect(r.calls).toContain('ip link set dev eth0 down');
    expect(r.output).toContain('net: eth0 deconfigured');
    const kept = stop('GK_NET_KEEP=1');
    expect(kept.calls).not.toContain('ip addr flush dev eth0');
    expect(kept.output).toContain('net: eth0 stays up: the root is reached over it');
  });
});
