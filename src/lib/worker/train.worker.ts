/** The training worker's entry: exposes the API object over Comlink. */
import * as Comlink from 'comlink';
import { api } from './api';
import { installErrorTransfer } from './error-transfer';

installErrorTransfer();
Comlink.expose(api);
