import { createRouter, createWebHistory } from 'vue-router'

export const router = createRouter({
  history: createWebHistory('/h5/'),
  routes: [
    { path: '/', name: 'tasks', component: () => import('./pages/TasksPage.vue') },
  ],
})
