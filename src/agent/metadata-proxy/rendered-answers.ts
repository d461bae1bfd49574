import type { ProxyAnswer } from './backends.js';

/**
 * Answers rendered once per instance revision (issue 17, "Metadata at boot-storm scale"): a booting guest
 * asks 10–20 paths, often several times, and every answer of one revision is the same bytes. The revision
 * is the lookup's answer object itself (instance-lookup.ts reuses one answer per (network, address) for
 * its TTL, and after it while the server answers the same, up to 15 s), so a cached answer lives exactly as
 * long as the identification it was rendered from — no staleness beyond the lookup's own 1 s. (OpenStack's
 * `random_seed` therefore repeats within a revision, as it does from Nova, which caches a whole instance's
 * metadata for 15 s.) Bodies are kept as bytes, so a hit is a lookup and a write.
 */
export class RenderedAnswers {
  private readonly byRevision = new WeakMap<object, Map<string, ProxyAnswer>>();

  /** `maxPaths`: answers kept per revision; past it (a client walking random paths) they are rendered each time. */
  constructor(private readonly maxPaths = 64) {}

  answer(revision: object, path: string, render: () => ProxyAnswer): ProxyAnswer {
    let answers = this.byRevision.get(revision);
    const cached = answers?.get(path);
    if (cached !== undefined) return cached;
    const rendered = render();
    const answer: ProxyAnswer =
      typeof rendered.body === 'string' ? { ...rendered, body: Buffer.from(rendered.body) } : rendered;
    if (answers === undefined) {
      answers = new Map();
      this.byRevision.set(revision, answers);
    }
    if (answers.size < this.maxPaths) answers.set(path, answer);
    return answer;
  }
}
