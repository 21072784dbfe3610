/**
 * What users read while an endpoint waits for a free instance of a pooled type (cluster mode): the
 * instance stays Pending with this text, and the endpoint and its components show it as their
 * FailureReason until an instance frees up or a host joins.
 */
export function waitingForInstanceMessage(instanceType: string, free: number, registered: number): string {
  return (
    `waiting for an instance of ${instanceType}: ${free} free of ${registered} registered ` +
    `(it launches by itself when a host joins with \`berth agent --instance-type ${instanceType}\` or another endpoint releases one)`
  );
}

export function isWaitingForInstance(text: string | undefined): boolean {
  return text !== undefined && text.startsWith("waiting for an instance of ");
}
