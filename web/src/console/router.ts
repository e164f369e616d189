import { createRouter, createWebHistory } from 'vue-router'
import { loadMe, session, store } from './auth'

// Each screen is its own chunk: the sign-in page does not wait for the charts.
export const router = createRouter({
  history: createWebHistory('/'),
  routes: [
    { path: '/login', name: 'login', component: () => import('./pages/LoginPage.vue'), meta: { public: true, title: '登录' } },
    { path: '/', redirect: '/dashboard' },
    { path: '/dashboard', name: 'dashboard', component: () => import('./pages/DashboardPage.vue'), meta: { title: '总览' } },
    { path: '/plans', name: 'plans', component: () => import('./pages/PlansPage.vue'), meta: { title: '规划' } },
    { path: '/plans/:planId/cascade', name: 'cascade', component: () => import('./pages/CascadePage.vue'), props: true, meta: { title: '逐级落实' } },
    { path: '/plans/:planId', name: 'plan', component: () => import('./pages/PlanPage.vue'), props: true, meta: { title: '规划任务' } },
    { path: '/tasks/:taskId', name: 'task', component: () => import('./pages/TaskPage.vue'), props: true, meta: { title: '任务' } },
    { path: '/import', name: 'import', component: () => import('./pages/ImportPage.vue'), meta: { title: '导入规划', write: true } },
    { path: '/sheets', name: 'sheets', component: () => import('./pages/SheetsPage.vue'), meta: { title: '表格导入导出' } },
    { path: '/units', name: 'units', component: () => import('./pages/UnitsPage.vue'), meta: { title: '责任单位' } },
    { path: '/supervision', name: 'supervision', component: () => import('./pages/SupervisionPage.vue'), meta: { title: '督办单' } },
    { path: '/bulletins', name: 'bulletins', component: () => import('./pages/BulletinsPage.vue'), meta: { title: '通报' } },
    { path: '/evaluations', name: 'evaluations', component: () => import('./pages/EvaluationsPage.vue'), meta: { title: '评估' } },
    { path: '/inbox', name: 'inbox', component: () => import('./pages/InboxPage.vue'), meta: { title: '通知待办' } },
    { path: '/portals', name: 'portals', component: () => import('./pages/PortalsPage.vue'), meta: { title: '门户与集成', write: true } },
    { path: '/indicators', name: 'indicators', component: () => import('./pages/IndicatorsPage.vue'), meta: { title: '指标' } },
    { path: '/indicators/:indicatorId', name: 'indicator', component: () => import('./pages/IndicatorPage.vue'), props: true, meta: { title: '指标' } },
    { path: '/:rest(.*)*', name: 'missing', component: () => import('./pages/MissingPage.vue'), meta: { title: '页面不存在' } },
  ],
})

router.beforeEach(async (to) => {
  if (to.meta.public) return true
  if (!store.get()) return { name: 'login', query: { next: to.fullPath } }
  if (!session.me) {
    try {
      await loadMe()
    } catch {
      store.set(null)
      return { name: 'login', query: { next: to.fullPath } }
    }
  }
  // A unit's officer belongs on the phone page, which shows only the unit's own work.
  if (session.me?.role === 'unit') {
    location.assign('/h5/')
    return false
  }
  return true
})

router.afterEach((to) => {
  document.title = `${(to.meta.title as string) ?? ''} · 督导平台`
})
