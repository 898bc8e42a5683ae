/**
 * The browser shell's stand-in for Electron's native file dialogs: a request waits here until the in-app file
 * browser (components/common/FileDialog.vue, mounted once by App.vue) answers it. Only the web transport opens
 * these; views keep calling app:choose-folder / app:choose-file / app:choose-save-file as in Electron.
 */
import { shallowRef } from 'vue';
import type { ChooseFileRequest, ChooseFolderRequest, ChooseSaveFileRequest } from '@contract';

export type DialogRequest =
  | ({ kind: 'folder' } & ChooseFolderRequest)
  | ({ kind: 'file' } & ChooseFileRequest)
  | ({ kind: 'save' } & ChooseSaveFileRequest);

interface PendingDialog {
  request: DialogRequest;
  /** The chosen path (for 'save': already confirmed by main through fs:confirm-save), or null when cancelled. */
  answer(path: string | null): void;
}

/** The dialog on screen, or null. One at a time: a second request waits for the first to close. */
export const openDialog = shallowRef<PendingDialog | null>(null);
const waiting: PendingDialog[] = [];

export function askInPage(request: DialogRequest): Promise<string | null> {
  return new Promise((resolve) => {
    const pending: PendingDialog = {
      request,
      answer(path) {
        resolve(path);
        openDialog.value = waiting.shift() ?? null;
      },
    };
    if (openDialog.value) waiting.push(pending);
    else openDialog.value = pending;
  });
}
