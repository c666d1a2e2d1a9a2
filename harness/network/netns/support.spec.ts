/** Whether a machine can run the netns network, and the message when it cannot, for machines other than this one. */
import { test } from '@japa/runner'
import { netnsSupportOf, type Machine } from './support.ts'

/** Root's capability set: every bit. */
const ROOT = 0x1ffffffffffn
const linuxRoot: Machine = { platform: 'linux', capabilities: ROOT, has: () => true }

test.group('netns support', () => {
  test('Linux, root and the tools: supported', ({ assert }) => {
    assert.deepEqual(netnsSupportOf(linuxRoot), { ok: true })
    // CAP_NET_ADMIN (12) and CAP_SYS_ADMIN (21) are what it takes.
    assert.deepEqual(netnsSupportOf({ ...linuxRoot, capabilities: (1n << 12n) | (1n << 21n) }), { ok: true })
  })

  test('refuses another platform, a user without the capabilities, and missing tools, saying what to do', ({ assert }) => {
    const cases: [Machine, RegExp][] = [
      [{ ...linuxRoot, platform: 'darwin' }, /needs Linux .* this is darwin: use --network proxy/],
      [{ ...linuxRoot, capabilities: 0n }, /needs root \(CAP_NET_ADMIN and CAP_SYS_ADMIN.*run it as root, or use --network proxy/],
      [{ ...linuxRoot, capabilities: 1n << 12n }, /needs root/],
      [{ ...linuxRoot, capabilities: undefined }, /needs root/],
      [{ ...linuxRoot, has: (c) => c === 'ip' }, /needs iptables-restore, iptables-save, iptables, not found.*apt-get install iptables\b/],
      [{ ...linuxRoot, has: () => false }, /needs ip, .*apt-get install iproute2 iptables/],
    ]
    for (const [machine, reason] of cases) {
      const support = netnsSupportOf(machine)
      assert.isFalse(support.ok)
      if (!support.ok) assert.match(support.reason, reason)
    }
  })
})
