import { createRouter, createWebHistory } from 'vue-router'
import { takeTokenFromLink } from './auth'

// Before the history is created: it captures the address, fragment and all, and restores it.
takeTokenFromLink()

// Lazy routes: the first screen needs only the list.
export const router = createRouter({
  history: createWebHistory('/h5/'),
  routes: [
    { path: '/', name: 'tasks', component: () => import('./pages/TasksPage.vue'), meta: { title: '我的任务' } },
    { path: '/messages', name: 'messages', component: () => import('./pages/MessagesPage.vue'), meta: { title: '消息' } },
    { path: '/a/:assignmentId', name: 'assignment', component: () => import('./pages/AssignmentPage.vue'), props: true, meta: { title: '任务' } },
    { path: '/:rest(.*)*', redirect: '/' },
  ],
})

router.afterEach((to) => {
  document.title = `${(to.meta.title as string) ?? ''} · 督导`
})
