/** The netns network's /24: parsing the host's routes and addresses, and a choice that overlaps none of them. */
import { test } from '@japa/runner'
import { chooseSubnet, overlaps, parsePrefix, takenPrefixes } from './subnet.ts'

const ROUTES = `default via 192.0.2.1 dev eth0
192.0.2.0/24 dev eth0 proto kernel scope link src 192.0.2.2
10.0.0.0/8 via 192.0.2.9 dev eth0
local 127.0.0.0/8 dev lo table local proto kernel scope host src 127.0.0.1
broadcast 172.17.255.255 dev docker0 table local proto kernel scope link src 172.17.0.1
unreachable 172.16.0.0/12
`
const ADDRESSES = `1: lo    inet 127.0.0.1/8 scope host lo\\       valid_lft forever preferred_lft forever
4: eth0    inet 192.0.2.2/24 brd 192.0.2.255 scope global eth0\\       valid_lft forever preferred_lft forever
5: wg0    inet 192.168.7.1/24 scope global wg0
`

test.group('netns subnet', () => {
  test('parses prefixes and tells overlaps', ({ assert }) => {
    assert.deepEqual(parsePrefix('10.1.2.3/8'), { network: 10 << 24, bits: 8 })
    assert.deepEqual(parsePrefix('10.1.2.3'), { network: ((10 << 24) | (1 << 16) | (2 << 8) | 3) >>> 0, bits: 32 })
    for (const bad of ['default', 'via', '10.1.2/24', '10.1.2.300/24', '10.1.2.3/33', 'fe80::1/64'])
      assert.isUndefined(parsePrefix(bad), bad)
    assert.isTrue(overlaps(parsePrefix('10.0.0.0/8')!, parsePrefix('10.200.3.0/24')!))
    assert.isTrue(overlaps(parsePrefix('10.200.3.7')!, parsePrefix('10.200.3.0/24')!))
    assert.isFalse(overlaps(parsePrefix('10.200.4.0/24')!, parsePrefix('10.200.3.0/24')!))
    assert.isFalse(overlaps(parsePrefix('172.16.0.0/12')!, parsePrefix('172.32.0.0/24')!))
  })

  test('reads every route destination and address prefix, but not the default route', ({ assert }) => {
    const taken = takenPrefixes(ROUTES, ADDRESSES)
    const shown = taken.map(
      (p) => `${[p.network >>> 24, (p.network >>> 16) & 255, (p.network >>> 8) & 255, p.network & 255].join('.')}/${p.bits}`,
    )
    assert.sameMembers(shown, [
      '192.0.2.0/24',
      '10.0.0.0/8',
      '127.0.0.0/8',
      '172.17.255.255/32',
      '172.16.0.0/12',
      '127.0.0.0/8',
      '192.0.2.0/24',
      '192.168.7.0/24',
    ])
  })

  test('picks a /24 that overlaps nothing taken, moving to the next private range when one is full', ({ assert }) => {
    const taken = takenPrefixes(ROUTES, ADDRESSES)
    let seed = 1
    const random = (): number => {
      seed = (seed * 16807) % 2147483647
      return seed / 2147483647
    }
    for (let i = 0; i < 200; i++) {
      const subnet = chooseSubnet(taken, random)
      // 10/8 and 172.16/12 are routed elsewhere: only 192.168/16 is left, without 192.168.7.0/24.
      assert.match(subnet.cidr, /^192\.168\.\d+\.0\/24$/)
      assert.notEqual(subnet.cidr, '192.168.7.0/24')
      assert.equal(subnet.host, subnet.cidr.replace('0/24', '1'))
      assert.equal(subnet.node(1), subnet.cidr.replace('0/24', '2'))
      assert.equal(subnet.node(3), subnet.cidr.replace('0/24', '4'))
    }
    assert.match(chooseSubnet([], () => 0.5).cidr, /^10\.128\.128\.0\/24$/)
  })

  test('says so when every private /24 is taken', ({ assert }) => {
    const everything = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16'].map((p) => parsePrefix(p)!)
    assert.throws(() => chooseSubnet(everything), /no free private \/24/)
  })
})
