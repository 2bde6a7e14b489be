import { afterEach, describe, expect, it } from 'vitest';
import { messageAttributes, type Notification } from '../../../shared/notify/notifications.ts';
import { NotPublished, publishRequests, SnsPublisher } from '../../../shared/notify/publisher.ts';
import { SNS_PUBLISH } from '../../../shared/notify/sns.ts';
import { snsEndpoint, TEST_TOPIC_ARN } from '../../helpers/sns.ts';

/** A band crossing of `leadId` at score revision `rev`; `padding` characters of reasons make it as heavy as needed. */
function crossing(leadId: string, rev = 1, padding = 0): Notification {
  return {
    id: `${leadId}:default:${rev}:band:hot`,
    type: 'band_crossing',
    leadId,
    model: 'default',
    modelVersion: 1,
    oldScore: 40,
    newScore: 55,
    oldBand: 'warm',
    newBand: 'hot',
    direction: 'up',
    passed: ['hot'],
    grade: 'A',
    reasons: padding
      ? [
          {
            kind: 'rule',
            label: 'x'.repeat(padding),
            points: 55,
            rule: 'demo',
            ruleKind: 'behaviour',
            count: 1,
          },
        ]
      : [],
    cause: { kind: 'activity', eventIds: ['e1'] },
    at: '2026-11-24T10:00:00.000Z',
  } as Notification;
}

const flag = (leadId: string, rev = 1): Notification => ({
  ...crossing(leadId, rev),
  id: `${leadId}:default:${rev}:raised:high-intent`,
  type: 'flag_raised',
  direction: 'raised',
  flag: 'high-intent',
});

let endpoint: Awaited<ReturnType<typeof snsEndpoint>> | undefined;
afterEach(async () => {
  await endpoint?.close();
  endpoint = undefined;
});

describe('PublishBatch requests', () => {
  it('hold at most 10 entries, ids unique in each, every entry as a Publish carried it', async () => {
    // Prepare: 25 leads each crossing once.
    endpoint = await snsEndpoint();
    const changes = Array.from({ length: 25 }, (_, i) => [crossing(`lead-${i}`)]);

    // Act
    await new SnsPublisher(TEST_TOPIC_ARN, endpoint.clientConfig).publish(changes);

    // Assess: three requests, in order; each message and its attributes exactly what Publish sent.
    expect(endpoint.requests.map((r) => [r.action, r.messages.length])).toEqual([
      ['PublishBatch', 10],
      ['PublishBatch', 10],
      ['PublishBatch', 5],
    ]);
    for (const request of endpoint.requests) {
      expect(request.topicArn).toBe(TEST_TOPIC_ARN);
      expect(new Set(request.messages.map((m) => m.id)).size).toBe(request.messages.length);
    }
    const sent = endpoint.requests.flatMap((r) => r.messages);
    expect(sent.map((m) => JSON.parse(m.message))).toEqual(changes.flat());
    for (const [i, m] of sent.entries()) {
      const n = changes.flat()[i]!;
      expect(m.message).toBe(JSON.stringify(n));
      expect(m.subject).toBeUndefined();
      expect(m.attributes).toEqual(
        Object.fromEntries(
          Object.entries(messageAttributes(n)).map(([k, v]) => [k, { DataType: 'String', StringValue: v }]),
        ),
      );
    }
  });

  it('weigh at most 256 KiB together', async () => {
    // Prepare: nine notifications of about 60 KB each: four fit in 256 KiB, five do not.
    endpoint = await snsEndpoint();
    const changes = Array.from({ length: 9 }, (_, i) => [crossing(`heavy-${i}`, 1, 60_000)]);

    // Act: through SNS's own limits (the endpoint refuses a request over 256 KiB with BatchRequestTooLong).
    await new SnsPublisher(TEST_TOPIC_ARN, endpoint.clientConfig).publish(changes);

    // Assess
    expect(endpoint.requests.map((r) => r.messages.length)).toEqual([4, 4, 1]);
    for (const request of endpoint.requests)
      expect(request.bytes).toBeLessThanOrEqual(SNS_PUBLISH.payloadBytes);
    expect(endpoint.accepted).toHaveLength(9);
  });

  it('cut at exactly 256 KiB, counting each attribute as SNS does', () => {
    // Prepare: two notifications that weigh exactly 256 KiB together, and the same with one byte more. SNS
    // counts the body and each attribute's name, type ('String') and value.
    const weight = (n: Notification) =>
      Buffer.byteLength(JSON.stringify(n)) +
      Object.entries(messageAttributes(n)).reduce(
        (sum, [k, v]) => sum + Buffer.byteLength(k) + 'String'.length + Buffer.byteLength(v),
        0,
      );
    const first = crossing('a', 1, 100_000);
    const base = weight(crossing('b', 1, 1));
    const exact = crossing('b', 1, 1 + SNS_PUBLISH.payloadBytes - weight(first) - base);
    const over = crossing('b', 1, 2 + SNS_PUBLISH.payloadBytes - weight(first) - base);
    expect(weight(first) + weight(exact)).toBe(SNS_PUBLISH.payloadBytes);

    // Act and assess
    expect(publishRequests([[first], [exact]]).map((r) => r.length)).toEqual([2]);
    expect(publishRequests([[first], [over]]).map((r) => r.length)).toEqual([1, 1]);
  });

  it("never hold two changes of one lead; one change's notifications go together", () => {
    // Act: ana's change 1 (a crossing and a flag), bo's, then ana's change 2.
    const requests = publishRequests([
      [crossing('ana', 1), flag('ana', 1)],
      [crossing('bo')],
      [crossing('ana', 2)],
    ]);

    // Assess
    expect(requests.map((r) => r.map((e) => [e.change, e.entry.Id]))).toEqual([
      [
        [0, '0'],
        [0, '1'],
        [1, '2'],
      ],
      [[2, '0']],
    ]);
  });
});

describe('a publish SNS does not take whole', () => {
  it('says how many changes went out whole when SNS fails an entry, and sends nothing after its request', async () => {
    // Prepare: SNS fails lead-13's entry, the fourth of the second request.
    endpoint = await snsEndpoint((n) => n.leadId === 'lead-13');
    const changes = Array.from({ length: 25 }, (_, i) => [crossing(`lead-${i}`)]);

    // Act
    const error = await new SnsPublisher(TEST_TOPIC_ARN, endpoint.clientConfig)
      .publish(changes)
      .catch((e) => e);

    // Assess: the first 13 changes went out; the request after the failed one was never sent.
    expect(error).toBeInstanceOf(NotPublished);
    expect(error.published).toBe(13);
    expect(error.message).toContain('lead-13:default:1:band:hot');
    expect(endpoint.requests).toHaveLength(2);
  });

  it('says none of a refused request went out', async () => {
    // Prepare: a topic that does not exist.
    endpoint = await snsEndpoint();
    const publisher = new SnsPublisher(`${TEST_TOPIC_ARN}-gone`, endpoint.clientConfig);

    // Act
    const error = await publisher.publish([[], [crossing('ana')]]).catch((e) => e);

    // Assess: from the first change with a notification on, with SNS's own error as the cause.
    expect(error).toBeInstanceOf(NotPublished);
    expect(error.published).toBe(1);
    expect(error.cause.name).toBe('NotFoundException');
  });

  it('with nothing to publish, sends nothing and never makes the SNS client', async () => {
    // Prepare: a client configuration that tells when a client reads it.
    endpoint = await snsEndpoint();
    let made = false;
    const config = {
      ...endpoint.clientConfig,
      get region() {
        made = true;
        return 'us-east-1';
      },
    };

    // Act
    await new SnsPublisher(TEST_TOPIC_ARN, config).publish([[], []]);

    // Assess
    expect(endpoint.requests).toEqual([]);
    expect(made).toBe(false);
  });
});
