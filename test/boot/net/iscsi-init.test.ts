/**
 * 15-iscsi.sh against stand-in ip/udhcpc/iscsistart (see fragment-harness.ts): the iscsi_*=
 * parameters become iscsistart's arguments, after the network and with the modules; what is
 * missing or refused is one line, then the rescue path. Booted against tgt: iscsi.test.ts.
 */
import { describe, test, expect } from 'vitest';
import { runFragments } from '../storage/fragment-harness.js';

const NET = `GK_SYS_NET=$(mktemp -d); mkdir "$GK_SYS_NET/eth0"`;
const BASE = 'ip=10.0.2.15/24 iscsi_initiatorname=iqn.2026-12.test:guest iscsi_target=iqn.2026-12.test:root iscsi_address=10.0.2.2';
const run = (cmdline: string, iscsistart = 'exit 0') =>
  runFragments({
    fragments: ['15-iscsi.sh'],
    cmdline,
    tools: { ip: 'exit 0', udhcpc: 'exit 0', iscsistart },
    setup: NET,
    steps: 'ISCSI_LOG=$(mktemp); gk_run_hooks modules && gk_run_hooks pre_root && echo "ISCSI-DONE keep=$GK_NET_KEEP"',
  });

describe('15-iscsi.sh', () => {
  test('defaults (port 3260, tgpt 1), the modules first, the network before the login', () => {
    const r = run(BASE);
    expect(r.output).toContain('ISCSI-DONE keep=1');
    expect(r.calls).toContain('iscsistart -i iqn.2026-12.test:guest -t iqn.2026-12.test:root -g 1 -a 10.0.2.2 -p 3260');
    expect(r.calls).toContain('modprobe iscsi_tcp');
    const addr = r.calls.indexOf('ip addr add 10.0.2.15/24 dev eth0');
    expect(addr).toBeGreaterThanOrEqual(0);
    expect(addr).toBeLessThan(r.calls.findIndex((c) => c.startsWith('iscsistart')));
  });

  test('port, portal group, CHAP and mutual CHAP, debug', () => {
    const r = run(`${BASE} iscsi_port=3261 iscsi_tgpt=2 iscsi_username=u iscsi_password=p iscsi_username_in=ui iscsi_password_in=pi iscsi_debug=3`);
    expect(r.calls).toContain('iscsistart -i iqn.2026-12.test:guest -t iqn.2026-12.test:root -g 2 -a 10.0.2.2 -p 3261 -u u -w p -U ui -W pi -d 3');
  });

  test('a refused login: one line naming the target, portal and what iscsistart said, then the rescue path', () => {
    const r = run(BASE, 'echo "iscsistart: initiator reported error (24 - iSCSI login failed due to authorization failure)" >&2; exit 19');
    expect(r.output).toContain('!! iscsi: the login to iqn.2026-12.test:root at 10.0.2.2:3260 failed: iscsistart: initiator reported error (24 - iSCSI login failed due to authorization failure)');
    expect(r.output).toContain("BOOT FAILED: boot hook 'iscsi_start' (at pre_root) failed");
    expect(r.output).toContain('RESCUE-SHELL');
  });

  test('missing parameters and bad numbers are named; iscsistart is not run', () => {
    const missing = run('ip=10.0.2.15/24 iscsi_target=iqn.2026-12.test:root');
    expect(missing.output).toContain('!! iscsi: the command line lacks iscsi_initiatorname= iscsi_address=');
    const bad = run(`${BASE} iscsi_port=http`);
    expect(bad.output).toContain("!! iscsi: 'iscsi_port=http' is not a number");
    for (const r of [missing, bad]) {
      expect(r.calls.some((c) => c.startsWith('iscsistart'))).toBe(false);
      expect(r.output).toContain('RESCUE-SHELL');
    }
  });

  test('an ip= the init cannot read: the iSCSI root cannot be reached, said in two lines', () => {
    const r = run(BASE.replace('ip=10.0.2.15/24', 'ip=10.0.2.15/99'));
    expect(r.output).toContain('!! ip=10.0.2.15/99 is not a form this init understands');
    expect(r.output).toContain('!! iscsi: the network is not up, so the iSCSI root cannot be reached');
    expect(r.output).toContain('RESCUE-SHELL');
  });

  test('without iscsi_target= nothing is registered', () => {
    const r = runFragments({ fragments: ['15-iscsi.sh'], cmdline: 'root=/dev/sda', tools: {}, steps: 'echo "pre_root=[$gk_hooks_pre_root]"' });
    expect(r.output).toContain('pre_root=[]');
  });
});
