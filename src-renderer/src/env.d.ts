/// <reference types="svelte" />
/// <reference types="vite/client" />
import type { VitlabBridge } from '../../src-main/api/contract';

declare global {
  interface Window {
    /** Set by the Electron preload; absent in a browser (then the WebSocket transport is used). */
    vitlab?: VitlabBridge;
  }
}

export {};
