import { contextBridge } from 'electron';

contextBridge.exposeInMainWorld('vitlab', { version: '0.1.0' });
