/** The Download button of a recording: enabled once ready, fetches with the session's token. */
import { h, setBusy } from '../dom';
import { icon } from '../icons';
import { downloadRecording, type RecordingSummary } from '../recordingsApi';
import { showError } from './toast';

export function downloadButton(
  token: string,
  recording: RecordingSummary,
  { small = false }: { small?: boolean } = {},
): HTMLButtonElement {
  const ready = recording.status === 'ready';
  const button = h(
    'button',
    {
      class: small ? 'btn btn-secondary btn-sm' : 'btn btn-secondary',
      type: 'button',
      disabled: !ready,
      title: ready ? 'Download the file' : 'Available once processing is done',
      'data-testid': 'recording-download',
    },
    icon('download'),
    'Download',
  );
  button.addEventListener('click', () => {
    setBusy(button, true);
    downloadRecording(token, recording)
      .catch((error: unknown) => showError('Download failed', error))
      .finally(() => setBusy(button, false));
  });
  return button;
}
