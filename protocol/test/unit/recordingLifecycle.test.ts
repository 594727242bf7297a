import { describe, expect, it } from 'vitest';
import {
  canTransition,
  isActive,
  isTerminal,
  sourcesOf,
  terminalStatuses,
  unfinishedStatuses,
} from '#protocol/recordingLifecycle';

describe('recording lifecycle', () => {
  it('follows pending → recording → stopped → processing → ready', () => {
    expect(canTransition('pending', 'recording')).toBe(true);
    expect(canTransition('recording', 'stopped')).toBe(true);
    expect(canTransition('stopped', 'processing')).toBe(true);
    expect(canTransition('processing', 'ready')).toBe(true);
  });

  it('can fail from every non-terminal state', () => {
    for (const from of ['pending', 'recording', 'stopped', 'processing'] as const) {
      expect(canTransition(from, 'failed')).toBe(true);
    }
  });

  it('never moves backwards or out of a terminal state', () => {
    expect(canTransition('recording', 'pending')).toBe(false);
    expect(canTransition('ready', 'processing')).toBe(false);
    expect(canTransition('failed', 'recording')).toBe(false);
    expect(canTransition('pending', 'ready')).toBe(false);
    expect(isTerminal('ready')).toBe(true);
    expect(isTerminal('failed')).toBe(true);
    expect(isTerminal('processing')).toBe(false);
  });

  it('names the sources of a transition and the active states', () => {
    expect(sourcesOf('stopped')).toEqual(['pending', 'recording']);
    expect(sourcesOf('recording')).toEqual(['pending']);
    expect(sourcesOf('failed').sort()).toEqual(['pending', 'processing', 'recording', 'stopped']);
    expect(isActive('pending')).toBe(true);
    expect(isActive('recording')).toBe(true);
    expect(isActive('stopped')).toBe(false);
    expect(unfinishedStatuses).toEqual(['pending', 'recording', 'stopped', 'processing']);
    expect(terminalStatuses).toEqual(['ready', 'failed']);
  });
});
