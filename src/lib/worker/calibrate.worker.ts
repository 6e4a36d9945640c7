/** The calibration worker's entry (./calibrate.ts): its own tfjs, so the training worker's state is left alone. */
import '../i18n-catalog';
import * as Comlink from 'comlink';
import { calibrate } from './calibrate';
import { installErrorTransfer } from './error-transfer';

installErrorTransfer();
export const calibrationApi = { calibrate };
export type CalibrationApi = typeof calibrationApi;
Comlink.expose(calibrationApi);
