import { test } from '@japa/runner'
import { FORWARDED_HEADER, TOKEN_HEADER } from '../api.ts'
import { routeRequest, type RequestHeaders, type Route } from './routing.ts'

const TOKEN = 'secret'
/** This node holds `mine` and not `theirs`. */
const node = { token: TOKEN, isHome: (key: string) => key === 'mine' }

const cases: { name: string; key: string; headers: RequestHeaders; route: Route }[] = [
  { name: 'a key this node holds', key: 'mine', headers: {}, route: 'local' },
  { name: 'a key this node does not hold', key: 'theirs', headers: {}, route: 'forward' },
  {
    name: 'a request another node forwarded, with the token',
    key: 'theirs',
    headers: { [FORWARDED_HEADER]: 'n2', [TOKEN_HEADER]: TOKEN },
    route: 'local',
  },
  {
    name: 'a forwarded mark with the wrong token',
    key: 'theirs',
    headers: { [FORWARDED_HEADER]: 'n2', [TOKEN_HEADER]: 'guess' },
    route: 'forward',
  },
  { name: 'a forwarded mark without a token', key: 'theirs', headers: { [FORWARDED_HEADER]: 'n2' }, route: 'forward' },
  { name: 'the token without a forwarded mark', key: 'theirs', headers: { [TOKEN_HEADER]: TOKEN }, route: 'forward' },
  {
    name: 'an explicitly absent forwarded mark',
    key: 'theirs',
    headers: { [FORWARDED_HEADER]: undefined, [TOKEN_HEADER]: TOKEN },
    route: 'forward',
  },
  {
    name: 'a forwarded mark with the wrong token, for a key this node holds',
    key: 'mine',
    headers: { [FORWARDED_HEADER]: 'n2' },
    route: 'local',
  },
  {
    name: 'an empty forwarded mark with the token',
    key: 'theirs',
    headers: { [FORWARDED_HEADER]: '', [TOKEN_HEADER]: TOKEN },
    route: 'local',
  },
]

test.group('routeRequest', () => {
  test('{name}: {route}')
    .with(cases)
    .run(({ assert }, { key, headers, route }) => {
      assert.equal(routeRequest(key, headers, node), route)
    })
})
