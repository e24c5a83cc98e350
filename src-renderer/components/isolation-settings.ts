import type { IsolationSetting } from '../../src-shared/desktop';
import { ISOLATION_MODES, NETWORK_MODES, type IsolationLimits, type IsolationMode, type IsolationSupport, type NetworkMode } from '../../src-shared/isolation';
import { LIMIT_RANGES } from '../../src-shared/isolation-input';
import { h } from '../lib/dom';
import { MODE_HELP, MODE_LABELS, NETWORK_HELP, NETWORK_LABELS } from '../lib/isolation-text';
import { row, section } from './settings-layout';

/**
 * The settings page's "Isolation" card: the default mode, network, extra hosts and limits of the
 * runtime the app starts. Each change saves the whole setting (the main process checks it); modes
 * /health says this machine cannot give are disabled with the reason. What each mode protects
 * against is in the README's "Isolation" section.
 */

export interface IsolationSectionOptions {
  support: IsolationSupport | undefined;
  /** Where the main process's refusal is shown. */
  error: HTMLElement;
  save(isolation: IsolationSetting): Promise<boolean>;
}

const LIMIT_INPUTS: { field: keyof IsolationLimits; label: string; unit: string }[] = [
  { field: 'memoryMb', label: 'Memory (MiB)', unit: 'MiB' },
  { field: 'cpuPercent', label: 'CPU (% of a core)', unit: '% CPU' },
  { field: 'maxProcesses', label: 'Processes', unit: 'processes' },
];

export function isolationSection(initial: IsolationSetting, options: IsolationSectionOptions): HTMLElement {
  let mode: IsolationMode = initial.mode;
  const modeGroup = h('div', { class: 'segmented', role: 'radiogroup', attrs: { 'aria-label': 'Default isolation' } });
  const network = h(
    'select',
    { attrs: { 'aria-label': 'Network of isolated agents' } },
    NETWORK_MODES.map((n) => h('option', { value: n, title: NETWORK_HELP[n], attrs: { selected: n === initial.network } }, NETWORK_LABELS[n])),
  );
  const hosts = h('textarea', {
    value: initial.allow.join('\n'),
    placeholder: 'registry.npmjs.org\n*.example.com:8443',
    attrs: { rows: 3, 'aria-label': 'Allowed hosts', spellcheck: 'false' },
  });
  const limits = LIMIT_INPUTS.map(({ field, label }) =>
    h('input', {
      type: 'number',
      placeholder: 'No limit',
      value: initial.limits[field] === undefined ? '' : String(initial.limits[field]),
      dataset: { limit: field },
      attrs: { min: LIMIT_RANGES[field].min, max: LIMIT_RANGES[field].max, step: 1, 'aria-label': label, title: label },
    }),
  );

  const current = (): IsolationSetting => {
    const values: IsolationLimits = {};
    LIMIT_INPUTS.forEach(({ field }, i) => {
      const text = limits[i].value.trim();
      // Sent as typed: a fraction or an out-of-range number comes back refused with its reason.
      if (text !== '') values[field] = Number(text);
    });
    return { mode, network: network.value as NetworkMode, allow: hosts.value.split(/[\n,]/).map((s) => s.trim()).filter(Boolean), limits: values };
  };
  const detailRows: HTMLElement[] = [];
  const showDetails = () => {
    for (const r of detailRows) r.hidden = mode === 'none';
    hosts.disabled = network.value !== 'allowlist';
  };
  const save = () => {
    showDetails();
    void options.save(current());
  };

  for (const m of ISOLATION_MODES) {
    const available = options.support?.[m].available !== false;
    modeGroup.appendChild(
      h(
        'button',
        {
          class: 'segment',
          role: 'radio',
          dataset: { isolation: m },
          disabled: !available && m !== initial.mode,
          title: available ? MODE_HELP[m] : `Not available here: ${options.support?.[m].reason ?? 'this machine cannot give it'}`,
          attrs: { 'aria-checked': m === initial.mode ? 'true' : 'false' },
          onclick: () => {
            mode = m;
            for (const b of modeGroup.querySelectorAll('button')) b.setAttribute('aria-checked', b.dataset.isolation === m ? 'true' : 'false');
            save();
          },
        },
        MODE_LABELS[m],
      ),
    );
  }
  network.addEventListener('change', save);
  hosts.addEventListener('change', save);
  for (const input of limits) input.addEventListener('change', save);

  detailRows.push(
    row('Network', 'What an isolated agent may connect to. Allowlist: its provider\'s API and the hosts below; refused connections are counted on its badge.', network, { id: 'isolation.network' }),
    row('Allowed hosts', 'Extra hosts under Allowlist, one per line: host, host:port or *.domain.', hosts, { id: 'isolation.allow' }),
    row('Limits', 'Per agent, everything it starts included; empty means no limit. An agent that hits one is stopped and says which.', h('div', { class: 'inline-controls' }, limits.map((input, i) => h('label', { class: 'limit-input' }, input, h('span', { class: 'muted small' }, LIMIT_INPUTS[i].unit)))), { id: 'isolation.limits' }),
  );
  showDetails();
  return section(
    'Isolation',
    row('Default isolation', 'Where agents run unless a spawn says otherwise. Sandbox and container keep an agent away from your other files and programs.', modeGroup, {
      id: 'isolation',
      error: options.error,
    }),
    detailRows,
  );
}
