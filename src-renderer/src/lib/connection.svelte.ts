import { api, type ConnectionStatus } from './api';

/** The transport's status as reactive state, for the banner. */
class Connection {
  status = $state<ConnectionStatus>(api.status);
  constructor() {
    api.onStatus((s) => {
      this.status = s;
    });
  }
  retryNow(): void {
    api.retryNow();
  }
}

export const connection = new Connection();
