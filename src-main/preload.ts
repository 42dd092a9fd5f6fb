import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import type { ApiEvent, VitlabBridge } from './api/contract.js';

// The preload is a typed list, no logic: one invoke channel for requests, one for events.
contextBridge.exposeInMainWorld('vitlab', {
  call: (name, input) => ipcRenderer.invoke('vitlab:call', name, input),
  onEvent: (listener) => {
    const wrapped = (_e: IpcRendererEvent, event: ApiEvent) => listener(event);
    ipcRenderer.on('vitlab:event', wrapped);
    return () => ipcRenderer.off('vitlab:event', wrapped);
  },
} satisfies VitlabBridge);
