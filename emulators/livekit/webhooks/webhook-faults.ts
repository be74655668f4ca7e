import type { WebhookEventName } from './webhook-event.js';

/**
 * A fault on the webhook wire, applied to the next `times` events that match `event` (any
 * event when absent): `drop` never sends it, `duplicate` sends it twice, `delay` holds it
 * (and its queue) for `delayMs`, `reorder` sends it after the next event of the same resource.
 */
export type WebhookFault =
  | {
      readonly kind: 'drop' | 'duplicate' | 'reorder';
      readonly event?: WebhookEventName;
      readonly times?: number;
    }
  | {
      readonly kind: 'delay';
      readonly delayMs: number;
      readonly event?: WebhookEventName;
      readonly times?: number;
    };

interface ArmedFault {
  readonly fault: WebhookFault;
  remaining: number;
}

/** The faults armed by tests, consumed as matching events pass. */
export class WebhookFaultSwitch {
  private armed: ArmedFault[] = [];

  add(fault: WebhookFault): void {
    this.armed.push({ fault, remaining: fault.times ?? 1 });
  }

  clear(): void {
    this.armed = [];
  }

  /** The faults that apply to this event, each counted as used once. */
  take(event: WebhookEventName): WebhookFault[] {
    const applied: WebhookFault[] = [];
    for (const armed of this.armed) {
      if (armed.remaining <= 0) continue;
      if (armed.fault.event !== undefined && armed.fault.event !== event) continue;
      armed.remaining--;
      applied.push(armed.fault);
    }
    this.armed = this.armed.filter((armed) => armed.remaining > 0);
    return applied;
  }
}
