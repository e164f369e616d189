// The words the screens use for the API's codes (glossary terms).

export type Light = 'green' | 'yellow' | 'red'

export const LIGHT_LABEL: Record<string, string> = { green: '绿灯', yellow: '黄灯', red: '红灯' }
export const LIGHT_COLOR: Record<string, string> = { green: '#2e9d57', yellow: '#e6a23c', red: '#d93026' }
export const LIGHT_TAG: Record<string, 'success' | 'warning' | 'danger' | 'info'> = {
  green: 'success',
  yellow: 'warning',
  red: 'danger',
}

export const ASSIGNMENT_STATUS: Record<string, string> = {
  not_started: '未开始',
  in_progress: '推进中',
  completed: '已完成待审核',
  returned: '已退回',
  accepted: '已通过',
}

export const ROLE_LABEL: Record<string, string> = {
  admin: '管理员',
  planner: '规划处室',
  leader: '领导',
  unit: '责任单位',
  lead: '牵头',
  co: '配合',
}

export const PLAN_STATUS: Record<string, string> = { draft: '草稿', published: '已发布', archived: '已归档' }

export const ASSESSMENT_STATUS: Record<string, string> = {
  achieved: '已实现',
  on_track: '进展顺利',
  moderately_off_track: '略有滞后',
  off_track: '进度滞后',
  regressing: '逆向变化',
  not_achieved: '未实现',
  insufficient_data: '数据不足',
}

export const ASSESSMENT_TAG: Record<string, 'success' | 'warning' | 'danger' | 'info' | 'primary'> = {
  achieved: 'success',
  on_track: 'primary',
  moderately_off_track: 'warning',
  off_track: 'danger',
  regressing: 'danger',
  not_achieved: 'danger',
  insufficient_data: 'info',
}

export const ASSESSMENT_COLOR: Record<string, string> = {
  achieved: '#2e9d57',
  on_track: '#409eff',
  moderately_off_track: '#e6a23c',
  off_track: '#d93026',
  regressing: '#8b1a1a',
  not_achieved: '#5c0a0a',
  insufficient_data: '#a8abb2',
}

export const NATURE_LABEL: Record<string, string> = { binding: '约束性', expected: '预期性', advocated: '倡导性' }

export const UNIT_LEVEL: Record<string, string> = {
  province: '省级',
  city: '市级',
  county: '县级',
  township: '乡镇',
  other: '其他',
}

export function label(map: Record<string, string>, key: string | null | undefined): string {
  if (!key) return '—'
  return map[key] ?? key
}

/** The worst of several lights (red > yellow > green). */
export function worstLight(lights: Iterable<string>): Light {
  let worst: Light = 'green'
  for (const l of lights) {
    if (l === 'red') return 'red'
    if (l === 'yellow') worst = 'yellow'
  }
  return worst
}

export const LIGHT_REASON: Record<string, string> = {
  awaiting_review: '已完成，待审核',
  overdue: '已逾期',
  returned: '被退回',
  due_soon: '临近完成时限',
  no_recent_report: '长时间未填报',
}

export const lightReasons = (reasons: string[] | null | undefined): string[] =>
  (reasons ?? []).map((r) => LIGHT_REASON[r] ?? r)

export const EXTENSION_STATUS: Record<string, string> = {
  pending: '待审批',
  approved: '已批准',
  rejected: '不批准',
}

export const NOTICE_STATUS: Record<string, string> = {
  open: '待反馈',
  answered: '已反馈',
  returned: '退回重办',
  closed: '已办结',
}

export const NOTICE_SOURCE: Record<string, string> = {
  manual: '人工督办',
  overdue: '逾期升级',
  reminders: '催办无回应升级',
}

export const EVALUATION_KIND: Record<string, string> = {
  annual: '年度考核',
  midterm: '中期评估',
  final: '终期评估',
  custom: '自定义',
}

// How a task stood at an evaluation's date, in the order the evaluation counts them.
export const EVALUATION_OUTCOMES: [string, string][] = [
  ['on_time', '按时完成'],
  ['late', '逾期完成'],
  ['returned', '被退回'],
  ['overdue', '逾期未完成'],
  ['not_started', '未启动'],
  ['in_progress', '推进中'],
]

export const RENDER_STATE: Record<string, string> = {
  queued: '排队中',
  running: '生成中',
  done: '已完成',
  failed: '生成失败',
}

// What an inbox notice is about (the task service's notice kinds).
export const NOTICE_KIND: Record<string, string> = {
  due_soon: '临期提醒',
  overdue: '逾期提醒',
  no_report: '未填报提醒',
  not_acknowledged: '未签收提醒',
  urge: '催办',
  supervision_notice: '督办单',
  supervision_notice_answered: '督办单已反馈',
  supervision_notice_closed: '督办单已办结',
  supervision_notice_returned: '督办单被退回',
  extension_requested: '延期申请',
  extension_decided: '延期审批结果',
}

export const NOTICE_KIND_TAG: Record<string, 'success' | 'warning' | 'danger' | 'info' | 'primary'> = {
  due_soon: 'warning',
  overdue: 'danger',
  no_report: 'warning',
  not_acknowledged: 'warning',
  urge: 'danger',
  supervision_notice: 'danger',
  supervision_notice_returned: 'danger',
  extension_requested: 'primary',
}

/** Where a notice leads: the 督办单 list, the extension requests of its assignment, or the
 * assignment (and so its task) it is about. */
export function noticeTarget(kind: string): 'supervision' | 'extension' | 'assignment' {
  if (kind.startsWith('supervision_notice')) return 'supervision'
  if (kind.startsWith('extension_')) return 'extension'
  return 'assignment'
}

// Portals' webhook events (the task service's subscription event kinds).
export const WEBHOOK_EVENT: Record<string, string> = {
  'plan.published': '规划公开',
  'task.state_changed': '任务状态变化',
  'indicator.assessed': '指标评估更新',
}

export const DELIVERY_STATUS: Record<string, string> = { pending: '待发送', sent: '已送达', dead: '已放弃' }
