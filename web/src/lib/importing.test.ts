import { describe, expect, it } from 'vitest'
import { changedEdits, levelOfRegion, unresolvedNames } from './importing'

const items = [
  { code: '一', kind: 'section', title: '提升基层服务能力', units: [] },
  {
    code: '一.1',
    kind: 'task',
    title: '推进乡镇卫生院标准化建设',
    units: [
      { name: '县卫健委基层股', status: 'unresolved' },
      { name: '县医保局', status: 'resolved' },
    ],
    deadlines: [{ due_on: '2027-06-30' }],
  },
  { code: '一.2', kind: 'task', title: '开展家庭医生签约', units: [{ name: '县卫健委基层股', status: 'unresolved' }, { name: '县疾控中心', status: 'unresolved' }] },
]

describe('import wizard', () => {
  it('lists each unresolved unit once with how many tasks name it', () => {
    expect(unresolvedNames(items)).toEqual([
      { name: '县卫健委基层股', tasks: 2 },
      { name: '县疾控中心', tasks: 1 },
    ])
  })
  it('guesses a new unit’s level from its region code', () => {
    expect(levelOfRegion('360000')).toBe('province')
    expect(levelOfRegion('360100')).toBe('city')
    expect(levelOfRegion('360121')).toBe('county')
  })
  it('keeps only the edits that change something', () => {
    const edits = {
      '一.1': { title: '推进乡镇卫生院标准化建设', due_on: '2027-09-30' },
      '一.2': { title: ' 开展家庭医生签约服务提质行动 ', due_on: null },
      '一': { title: '提升基层服务能力', due_on: null },
    }
    expect(changedEdits(items, edits)).toEqual({
      '一.1': { due_on: '2027-09-30' },
      '一.2': { title: '开展家庭医生签约服务提质行动' },
    })
  })
})
