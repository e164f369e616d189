import { describe, expect, it, vi } from 'vitest'
import { authFetch, reexchangeUnit, refreshStaff, type SessionStore, type Tokens, tokenFromFragment } from './session'

function memory(initial: Tokens | null): SessionStore & { value: Tokens | null } {
  const s = {
    value: initial,
    get: () => s.value,
    set: (t: Tokens | null) => {
      s.value = t
    },
  }
  return s
}

/** A fake API: the access token "good-N" is accepted, anything else is refused. */
function server(refreshOk = true) {
  const seen: { url: string; auth: string | null; body: string }[] = []
  let issued = 0
  const impl = vi.fn(async (req: Request) => {
    const body = await req.text()
    seen.push({ url: new URL(req.url).pathname, auth: req.headers.get('Authorization'), body })
    const path = new URL(req.url).pathname
    if (path === '/api/v1/auth/refresh' || path === '/api/v1/auth/unit_token') {
      if (!refreshOk) return new Response('{}', { status: 401 })
      issued += 1
      return Response.json({ access_token: `good-${issued}`, refresh_token: `r-${issued}`, role: 'planner' })
    }
    const auth = req.headers.get('Authorization') ?? ''
    return auth.startsWith('Bearer good-') ? Response.json({ ok: true }) : new Response('{}', { status: 401 })
  })
  return { impl: impl as unknown as typeof fetch, seen }
}

const post = (path: string) =>
  new Request(`http://gw${path}`, { method: 'POST', body: JSON.stringify({ text: '进展' }), headers: { 'Content-Type': 'application/json' } })

describe('authFetch', () => {
  it('sends the access token', async () => {
    const api = server()
    const store = memory({ access_token: 'good-0', refresh_token: 'r-0', role: 'planner' })
    const f = authFetch({ store, renew: refreshStaff, onSignedOut: () => {}, fetchImpl: api.impl })
    expect((await f(new Request('http://gw/api/v1/plans'))).status).toBe(200)
    expect(api.seen[0].auth).toBe('Bearer good-0')
  })

  it('renews once on a 401 and repeats the request with its body', async () => {
    const api = server()
    const store = memory({ access_token: 'expired', refresh_token: 'r-0', role: 'planner' })
    const f = authFetch({ store, renew: refreshStaff, onSignedOut: () => {}, fetchImpl: api.impl })
    const r = await f(post('/api/v1/assignments/1/reports'))
    expect(r.status).toBe(200)
    expect(api.seen.map((s) => s.url)).toEqual(['/api/v1/assignments/1/reports', '/api/v1/auth/refresh', '/api/v1/assignments/1/reports'])
    expect(JSON.parse(api.seen[1].body)).toEqual({ refresh_token: 'r-0' })
    expect(api.seen[2].body).toBe(JSON.stringify({ text: '进展' }))
    expect(store.value?.access_token).toBe('good-1')
  })

  it('shares one renewal between concurrent requests (a refresh token is single-use)', async () => {
    const api = server()
    const store = memory({ access_token: 'expired', refresh_token: 'r-0', role: 'planner' })
    const f = authFetch({ store, renew: refreshStaff, onSignedOut: () => {}, fetchImpl: api.impl })
    const rs = await Promise.all([f(new Request('http://gw/a')), f(new Request('http://gw/b')), f(new Request('http://gw/c'))])
    expect(rs.map((r) => r.status)).toEqual([200, 200, 200])
    expect(api.seen.filter((s) => s.url === '/api/v1/auth/refresh')).toHaveLength(1)
  })

  it('signs out when renewal is refused', async () => {
    const api = server(false)
    const store = memory({ access_token: 'expired', refresh_token: 'r-0', role: 'planner' })
    const out = vi.fn()
    const f = authFetch({ store, renew: refreshStaff, onSignedOut: out, fetchImpl: api.impl })
    expect((await f(new Request('http://gw/a'))).status).toBe(401)
    expect(out).toHaveBeenCalledOnce()
    expect(store.value).toBeNull()
  })

  it('does not try to renew without a session', async () => {
    const api = server()
    const out = vi.fn()
    const f = authFetch({ store: memory(null), renew: refreshStaff, onSignedOut: out, fetchImpl: api.impl })
    expect((await f(new Request('http://gw/a'))).status).toBe(401)
    expect(api.seen).toHaveLength(1)
    expect(out).not.toHaveBeenCalled()
  })

  it('exchanges the unit token again for a unit', async () => {
    const api = server()
    const store = memory({ access_token: 'expired', role: 'unit' })
    const f = authFetch({ store, renew: reexchangeUnit(() => 'dut_abc'), onSignedOut: () => {}, fetchImpl: api.impl })
    expect((await f(new Request('http://gw/a'))).status).toBe(200)
    expect(JSON.parse(api.seen[1].body)).toEqual({ token: 'dut_abc' })
  })
})

describe('the link of a unit token', () => {
  it('carries the token in the fragment', () => {
    expect(tokenFromFragment('#t=dut_abc.123')).toBe('dut_abc.123')
    expect(tokenFromFragment('')).toBeNull()
    expect(tokenFromFragment('#t=%20')).toBeNull()
  })
})
