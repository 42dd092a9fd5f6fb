import { DomainError } from '../../../src-shared/errors.js';
import type { Inspector } from '../../inspect/service.js';
import type { HandlerContext, HandlersOf } from './types.js';

/** Runs an inspection; its refusals are DomainErrors (InspectError) and reach the caller as their kind. */
async function inspecting<T>(ctx: HandlerContext, f: (i: Inspector) => Promise<T>): Promise<T> {
  if (!ctx.inspector) throw new DomainError('unavailable', 'inspection is not available in this build');
  return f(ctx.inspector);
}

/** Looking inside a trained run: its mistakes, its attention, the user's own image. */
export const inspectHandlers: HandlersOf<'inspect'> = {
  'inspect/mistakes': (i, ctx) => inspecting(ctx, (x) => x.mistakes(i)),
  'inspect/attention': (i, ctx) => inspecting(ctx, (x) => x.attention(i)),
  'inspect/predict': (i, ctx) => inspecting(ctx, (x) => x.predict({ id: i.id, image: Buffer.from(i.image, 'base64'), invert: i.invert })),
};
