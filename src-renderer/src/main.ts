/** Renderer entry: theme before first paint, Pinia, then the shell. */
import { createApp } from 'vue';
import { createPinia } from 'pinia';
import App from './App.vue';
import { applyTheme, initialTheme } from './stores/theme';
import './styles/theme.css';
import './styles/base.css';

applyTheme(initialTheme());

createApp(App).use(createPinia()).mount('#app');
