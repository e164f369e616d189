// The API's errors are RFC 9457 problem documents with Chinese titles; show those words.

export interface FieldError {
  field?: string
  loc?: string
  message?: string
  msg?: string
}

export interface Problem {
  title?: string
  detail?: string | null
  status?: number
  code?: string
  errors?: FieldError[] | null
}

const BY_STATUS: Record<number, string> = {
  0: '网络连接失败，请检查网络后重试',
  401: '登录已失效，请重新登录',
  403: '无权执行此操作',
  404: '要找的内容不存在或无权查看',
  409: '与现有数据冲突',
  412: '数据已被他人修改，请刷新后重试',
  413: '文件太大',
  415: '不支持的文件类型',
  422: '填写的内容有误',
  428: '请刷新后重试',
  429: '操作太频繁，请稍后再试',
  502: '服务暂时不可用，请稍后再试',
  503: '服务暂时不可用，请稍后再试',
  504: '服务响应超时，请稍后再试',
}

/** One sentence for the user: the problem's title, its detail, and the fields it names. */
export function problemMessage(problem: unknown, status = 0): string {
  const p = (problem && typeof problem === 'object' ? problem : {}) as Problem
  const title = p.title || BY_STATUS[p.status ?? status] || (status >= 500 ? '服务器出错，请稍后再试' : '操作失败')
  const head = p.detail && p.detail !== title ? `${title}：${p.detail}` : title
  const fields = (p.errors ?? [])
    .map((e) => {
      const field = e.field ?? e.loc
      const msg = e.message ?? e.msg
      return msg ? (field ? `${field}：${msg}` : msg) : ''
    })
    .filter(Boolean)
  return fields.length ? `${head}：${fields.join('；')}` : head
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly problem: Problem | null,
  ) {
    super(problemMessage(problem, status))
    this.name = 'ApiError'
  }
  get code(): string | undefined {
    return this.problem?.code
  }
}

/** openapi-fetch's result → the data, or an ApiError carrying the problem. */
export function unwrap<T>(result: { data?: T; error?: unknown; response: Response }): T {
  if (result.error !== undefined || !result.response.ok) {
    throw new ApiError(result.response.status, (result.error as Problem) ?? null)
  }
  return result.data as T
}
