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
    return { title: 'Not connected to the application core', steps: ['Start Crystal Property Studio with npm start (or mtcgcnn studio) and open the URL it prints, or use the installed app.'] };
  }
  if (error.channel.startsWith('project:')) {
    switch (error.code) {
      case 'not-found':
        return {
          title: 'The project could not be opened',
          steps: ['Choose the project folder itself (the one that contains project.json).', 'If the project was moved, open it from its new place and remove the old entry from the recent list.'],
        };
      case 'invalid-argument':
        return { title: 'The project details were not accepted', steps: ['Enter a name (1 to 80 characters) and an absolute folder path, e.g. /home/me/projects or C:\\Projects.'] };
      case 'failed':
        return { title: 'The project action failed', steps: ['Read the message below: it says what went wrong and what to change.'] };
      default:
        break;
    }
  }
  if (error.channel === 'dataset:inspect' || error.channel === 'dataset:validate') {
    switch (error.code) {
      case 'not-found':
        return { title: 'The dataset could not be read', steps: ['Check both paths: the structure folder and the label CSV must exist on this computer.', DATASET_LAYOUT] };
      case 'invalid-argument':
        return { title: 'The dataset settings were not accepted', steps: ['Use absolute paths, and task names that start with a letter (letters, digits, _ . -), each used once.'] };
      default:
        break;
    }
  }
  if (error.channel.startsWith('structures:') && error.code === 'failed') {
    return { title: 'This structure cannot be shown', steps: ['Read the message below. A structure the reader refuses is also left out of training.'] };
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
