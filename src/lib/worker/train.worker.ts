/** The training worker's entry: installs the messages its errors are worded from, exposes the API over Comlink. */
import '../i18n-catalog';
import * as Comlink from 'comlink';
import { api } from './api';
import { installErrorTransfer } from './error-transfer';

installErrorTransfer();
Comlink.expose(api);
