import { mount } from 'svelte';
import App from './App.svelte';
import './ui/global.css';

const target = document.getElementById('app');
if (!target) throw new Error('pagetrain: #app is missing from index.html');
export default mount(App, { target });
