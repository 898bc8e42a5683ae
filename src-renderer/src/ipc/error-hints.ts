/** What the user can do about a failed IPC call: short, concrete steps per error code and channel. */
import type { IpcCallError } from './client';

export interface ErrorAdvice {
  title: string;
  steps: string[];
}

const DATASET_LAYOUT =
  'The folder must hold id_prop.csv (a header row "id,<task>_<unit>,…", then one row per crystal) and one <id>.cif file per row.';

export function adviceFor(error: IpcCallError): ErrorAdvice {
  if (error.code === 'bridge-unavailable') {
    return { title: 'Not connected to the application core', steps: ['Start Crystal Property Studio through Electron (npm start or the installed app).'] };
  }
  if (error.channel === 'dataset:summary') {
    switch (error.code) {
      case 'not-found':
        return {
          title: 'The dataset folder could not be read',
          steps: ['Check the path: it must be an existing folder on this computer (an absolute path is safest).', DATASET_LAYOUT],
        };
      case 'invalid-argument':
        return { title: 'The folder path was not accepted', steps: ['Enter a folder path (not empty, without control characters), then scan again.'] };
      default:
        break;
    }
  }
  switch (error.code) {
    case 'invalid-argument':
      return { title: 'The request was rejected', steps: ['Check the values you entered and try again.', 'If it happens again, report it with the message below: it is a bug in the app.'] };
    case 'unknown-channel':
      return { title: 'This action is not available', steps: ['The application core does not know this request: update the app or report a bug.'] };
    case 'not-found':
      return { title: 'Not found', steps: ['Check that the file or folder exists and that you may read it.'] };
    case 'cancelled':
      return { title: 'Cancelled', steps: ['The operation was cancelled. Start it again when ready.'] };
    case 'failed':
      return { title: 'The operation failed', steps: ['Read the message below; it says what went wrong.'] };
    case 'internal':
    default:
      return { title: 'Unexpected error in the application core', steps: ['Try again. If it persists, report it with the message below (About / System shows the versions to include).'] };
  }
}
