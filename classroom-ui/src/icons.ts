/** The few line icons the UI uses, drawn as inline SVG (24x24 grid, stroke = currentColor). */

const SVG_NS = 'http://www.w3.org/2000/svg';

const paths = {
  mic: [
    'M12 3a3 3 0 0 1 3 3v6a3 3 0 0 1-6 0V6a3 3 0 0 1 3-3z',
    'M19 11a7 7 0 0 1-14 0',
    'M12 18v3',
  ],
  micOff: [
    'M15 9.5V6a3 3 0 0 0-5.8-1.1',
    'M9 9v3a3 3 0 0 0 5.1 2.1',
    'M19 11a7 7 0 0 1-1.2 3.9',
    'M5 11a7 7 0 0 0 11 5.7',
    'M12 18v3',
    'M3 3l18 18',
  ],
  camera: ['M3 7h12v10H3z', 'M15 10.5 21 7v10l-6-3.5'],
  cameraOff: ['M3 7h2m4 0h6v6', 'M15 10.5 21 7v10l-6-3.5', 'M3 7v10h12', 'M3 3l18 18'],
  screen: ['M3 4h18v12H3z', 'M8 20h8', 'M12 16v4'],
  screenOff: ['M3 4h18v12H3z', 'M8 20h8', 'M12 16v4', 'M9 7.5l6 5', 'M15 7.5l-6 5'],
  record: ['M12 7a5 5 0 1 1 0 10a5 5 0 1 1 0-10z'],
  stop: ['M7 7h10v10H7z'],
  leave: ['M14 4h5v16h-5', 'M10 8l-4 4 4 4', 'M6 12h10'],
  join: ['M10 4H5v16h5', 'M14 8l4 4-4 4', 'M18 12H8'],
  download: ['M12 4v11', 'M7 10l5 5 5-5', 'M5 20h14'],
  refresh: ['M20 11a8 8 0 1 0-2.3 5.7', 'M20 5v6h-6'],
  users: [
    'M9 11a4 4 0 1 0 0-8 4 4 0 0 0 0 8z',
    'M2 21v-1a6 6 0 0 1 12 0v1',
    'M16 3.5a4 4 0 0 1 0 7.5',
    'M22 21v-1a6 6 0 0 0-4-5.6',
  ],
} as const;

export type IconName = keyof typeof paths;

export function icon(name: IconName, className = 'icon'): SVGSVGElement {
  const svg = document.createElementNS(SVG_NS, 'svg');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('class', className);
  svg.setAttribute('aria-hidden', 'true');
  svg.setAttribute('fill', 'none');
  svg.setAttribute('stroke', 'currentColor');
  svg.setAttribute('stroke-width', '2');
  svg.setAttribute('stroke-linecap', 'round');
  svg.setAttribute('stroke-linejoin', 'round');
  for (const d of paths[name]) {
    const path = document.createElementNS(SVG_NS, 'path');
    path.setAttribute('d', d);
    svg.appendChild(path);
  }
  return svg;
}
