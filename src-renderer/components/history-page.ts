import { resolveAgentType } from '../../src-shared/agent';
import { ApiError, errorInfo, type TranscriptSummary } from '../api/client';
import type { AppContext } from '../context';
import { h, replaceChildren } from '../lib/dom';
import { duration, shortPath, timeAgo } from '../lib/format';
import { icon, typeIcon } from '../lib/icons';
import { TranscriptPlayer } from './transcript-player';

/** Recorded sessions (GET /transcripts) and the player for one of them. */
export class HistoryPage {
  readonly element: HTMLElement;
  private readonly list = h('ul', { class: 'history-list', attrs: { 'aria-label': 'Recorded sessions' } });
  private readonly stage = h('div', { class: 'history-stage' });
  private player: TranscriptPlayer | undefined;
  private transcripts: TranscriptSummary[] = [];

  constructor(
    private readonly ctx: AppContext,
    private selectedId: string | undefined,
  ) {
    this.element = h(
      'section',
      { class: 'page history-page' },
      h('header', { class: 'page-header' }, h('h1', {}, 'Session history'), h('p', { class: 'muted' }, 'Replays of what agents did, from their terminal recordings.')),
      h('div', { class: 'history-layout' }, this.list, this.stage),
    );
    replaceChildren(this.list, h('li', { class: 'muted' }, h('span', { class: 'spinner' }), ' Loading…'));
    void this.load();
  }

  private async load(): Promise<void> {
    try {
      this.transcripts = await this.ctx.api.transcripts();
    } catch (error) {
      const info = errorInfo(error);
      replaceChildren(this.list);
      replaceChildren(
        this.stage,
        h(
          'div',
          { class: 'empty-state' },
          icon('history', 'icon large'),
          h('h2', {}, error instanceof ApiError && error.code === 'ROUTE_MISSING' ? 'Recordings are not available here' : 'Could not load the recordings'),
          h('p', {}, info.message, ' ', h('code', { class: 'error-code' }, info.code)),
          h('p', { class: 'muted' }, 'The runtime still writes them to its data folder as asciicast files (transcripts/<agent>/NNNN.cast), which asciinema can play.'),
        ),
      );
      return;
    }
    this.renderList();
    const pick = this.transcripts.find((t) => t.id === this.selectedId);
    if (pick) await this.open(pick);
    else if (this.transcripts.length === 0) {
      replaceChildren(this.stage, h('div', { class: 'empty-state' }, icon('history', 'icon large'), h('h2', {}, 'No recordings yet'), h('p', { class: 'muted' }, 'Every agent is recorded while it runs; its replay appears here.')));
    } else {
      replaceChildren(this.stage, h('div', { class: 'empty-state' }, icon('play', 'icon large'), h('p', {}, 'Choose a session to replay.')));
    }
  }

  private renderList(): void {
    replaceChildren(
      this.list,
      this.transcripts.map((t) => {
        const type = resolveAgentType(t.type);
        const ran = t.stoppedAt ? duration(Date.parse(t.stoppedAt) - Date.parse(t.createdAt)) : 'running';
        return h(
          'li',
          {},
          h(
            'button',
            {
              class: ['history-item', t.id === this.selectedId && 'is-selected'],
              dataset: { transcriptId: t.id },
              onclick: () => {
                this.ctx.navigate({ name: 'history', id: t.id });
              },
            },
            type ? typeIcon(type, 'sm') : null,
            h(
              'span',
              { class: 'history-item-text' },
              h('span', { class: 'agent-name' }, t.name),
              h('span', { class: 'muted small' }, `${timeAgo(t.createdAt)} · ${ran} · ${shortPath(t.workdir)}`),
            ),
          ),
        );
      }),
    );
  }

  private async open(meta: TranscriptSummary): Promise<void> {
    this.player?.dispose();
    this.player = new TranscriptPlayer(this.ctx.api, meta);
    replaceChildren(this.stage, this.player.element);
    await this.player.start();
    this.player.element.focus();
  }

  dispose(): void {
    this.player?.dispose();
  }
}
