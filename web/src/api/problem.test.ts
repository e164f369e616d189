import { describe, expect, it } from 'vitest'
import { ApiError, problemMessage, unwrap } from './problem'

describe('problem documents in the words of the API', () => {
  it('joins the title, the detail and the fields named', () => {
    expect(problemMessage({ title: '未登录或凭证无效', detail: '用户名或密码错误', status: 401, code: 'invalid_credentials' })).toBe(
      '未登录或凭证无效：用户名或密码错误',
    )
    expect(
      problemMessage({
        title: '请求参数有误',
        status: 422,
        code: 'validation_error',
        errors: [{ field: 'reason', message: '退回须填写原因' }],
      }),
    ).toBe('请求参数有误：reason：退回须填写原因')
  })
  it('falls back on the status when the body is not a problem', () => {
    expect(problemMessage(null, 412)).toBe('数据已被他人修改，请刷新后重试')
    expect(problemMessage(undefined, 0)).toBe('网络连接失败，请检查网络后重试')
    expect(problemMessage('<html>', 500)).toBe('服务器出错，请稍后再试')
  })
  it('unwraps data or throws an ApiError with the code', () => {
    const ok = new Response(null, { status: 200 })
    expect(unwrap({ data: { a: 1 }, response: ok })).toEqual({ a: 1 })
    const bad = new Response(null, { status: 409 })
    try {
      unwrap({ error: { title: '与现有数据冲突', status: 409, code: 'plan_already_imported' }, response: bad })
      expect.unreachable()
    } catch (e) {
      expect(e).toBeInstanceOf(ApiError)
      expect((e as ApiError).code).toBe('plan_already_imported')
      expect((e as ApiError).status).toBe(409)
    }
  })
})
