import type { Logger } from "../../util/logger.js";
import type { AlarmActionHandler, AlarmTransition } from "../../alarms/types.js";

/** SNS topics are accepted as alarm actions and stored, but Berth has no SNS to deliver to. */
export function isSnsArn(arn: string): boolean {
  return /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_.-]+$/.test(arn);
}

/**
 * The handlers that can run alarm actions, registered by other subsystems (the autoscaler registers
 * scaling-policy ARNs). PutMetricAlarm accepts an action ARN only if a handler matches it or it names
 * an SNS topic.
 */
export class ActionRegistry {
  readonly #handlers: AlarmActionHandler[] = [];

  register(handler: AlarmActionHandler): () => void {
    this.#handlers.push(handler);
    return () => {
      const at = this.#handlers.indexOf(handler);
      if (at >= 0) this.#handlers.splice(at, 1);
    };
  }

  find(arn: string): AlarmActionHandler | undefined {
    return this.#handlers.find((h) => h.matches(arn));
  }

  accepts(arn: string): boolean {
    return this.find(arn) !== undefined || isSnsArn(arn);
  }

  repeats(arn: string): boolean {
    return this.find(arn)?.repeats === true;
  }
}

/**
 * Invokes each ARN's handler with the transition; a failing handler is logged and does not stop the
 * others (handlers that repeat get another chance next period). SNS topics are only logged.
 */
export async function runActions(registry: ActionRegistry, arns: string[], transition: AlarmTransition, log: Logger): Promise<void> {
  await Promise.all(
    arns.map(async (arn) => {
      const handler = registry.find(arn);
      const context = { alarm: transition.alarm.name, state: transition.alarm.state, action: arn };
      if (!handler) {
        if (isSnsArn(arn))
          log.info(context, `alarm ${transition.alarm.name} is ${transition.alarm.state}: Berth has no SNS, so no notification was sent to ${arn}`);
        else log.warn(context, `alarm ${transition.alarm.name} names action ${arn}, which no handler runs any more`);
        return;
      }
      try {
        await handler.invoke(arn, transition);
      } catch (error) {
        log.warn({ ...context, err: error }, `alarm action ${arn} of alarm ${transition.alarm.name} failed`);
      }
    }),
  );
}
