/** The manager's dialogs on a recording page: edit the title and description, and delete. */
import type { RecordingJson } from '#protocol/rest/recordings';
import { createDialog } from '../components/dialog';
import { showError, showToast } from '../components/toast';
import { h, setBusy } from '../dom';
import { deleteRecording, updateRecording } from '../recordingsApi';

export interface RecordingEditorOptions {
  token: string;
  recordingId: string;
  /** After a successful edit: the page reloads the recording. */
  onSaved: () => void;
}

export class RecordingEditor {
  readonly editDialog: HTMLDialogElement;
  readonly deleteDialog: HTMLDialogElement;
  readonly #token: string;
  readonly #recordingId: string;
  readonly #title: HTMLInputElement;
  readonly #description: HTMLTextAreaElement;
  readonly #deleteText: HTMLElement;

  constructor({ token, recordingId, onSaved }: RecordingEditorOptions) {
    this.#token = token;
    this.#recordingId = recordingId;
    this.#title = h('input', {
      class: 'input',
      required: true,
      maxlength: 500,
      'data-testid': 'edit-title',
    });
    this.#description = h('textarea', {
      class: 'input textarea',
      rows: 5,
      maxlength: 5000,
      'data-testid': 'edit-description',
    });
    const save = h(
      'button',
      { class: 'btn btn-primary', type: 'submit', 'data-testid': 'edit-save' },
      'Save',
    );
    const form = h(
      'form',
      { novalidate: true },
      h('label', { class: 'field' }, h('span', { class: 'field-label' }, 'Title'), this.#title),
      h(
        'label',
        { class: 'field' },
        h('span', { class: 'field-label' }, 'Description'),
        this.#description,
      ),
      h('div', { class: 'dialog-actions' }, save),
    );
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      const title = this.#title.value.trim();
      if (!title) {
        showToast('A recording needs a title.', 'error');
        this.#title.focus();
        return;
      }
      const description = this.#description.value.trim();
      setBusy(save, true);
      updateRecording(this.#token, this.#recordingId, {
        title,
        description: description || null,
      })
        .then(() => {
          this.editDialog.close();
          showToast('Saved.', 'success');
          onSaved();
        })
        .catch((error: unknown) => showError('Could not save the recording', error))
        .finally(() => setBusy(save, false));
    });
    this.editDialog = createDialog({ testId: 'edit-dialog', title: 'Edit the recording' }, form);

    this.#deleteText = h('p', { class: 'dialog-text' });
    const confirm = h(
      'button',
      { class: 'btn btn-danger', type: 'button', 'data-testid': 'delete-confirm' },
      'Delete',
    );
    confirm.addEventListener('click', () => {
      setBusy(confirm, true);
      deleteRecording(this.#token, this.#recordingId)
        .then(() => location.assign('/recordings'))
        .catch((error: unknown) => {
          showError('Could not delete the recording', error);
          setBusy(confirm, false);
        });
    });
    this.deleteDialog = createDialog(
      { testId: 'delete-dialog', title: 'Delete the recording?' },
      this.#deleteText,
      h(
        'div',
        { class: 'dialog-actions' },
        h(
          'button',
          {
            class: 'btn btn-secondary',
            type: 'button',
            'data-testid': 'delete-cancel',
            onclick: () => this.deleteDialog.close(),
          },
          'Cancel',
        ),
        confirm,
      ),
    );
  }

  openEdit(recording: Pick<RecordingJson, 'title' | 'description'>): void {
    this.#title.value = recording.title;
    this.#description.value = recording.description ?? '';
    this.editDialog.showModal();
    this.#title.focus();
  }

  openDelete(recording: Pick<RecordingJson, 'title'>): void {
    this.#deleteText.textContent = `“${recording.title}” will be deleted: nobody, including the people it is shared with, will be able to play or download it.`;
    this.deleteDialog.showModal();
  }
}
