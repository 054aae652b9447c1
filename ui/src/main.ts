import { mount } from 'svelte';
import App from './App.svelte';
import './app.css';
import { detectBackend } from './api/backend';
import { Api } from './api/client';

detectBackend().then((backend) => {
  mount(App, { target: document.getElementById('app')!, props: { api: new Api(backend) } });
});
