import { type MessageAttribute, messageBytes, SNS_PUBLISH } from '../shared/notify/sns.ts';

/**
 * SNS's Publish and PublishBatch in its query protocol (form-encoded in, XML out), as @aws-sdk/client-sns speaks
 * it: read and checked as SNS checks it, and answered in SNS's shapes, for the local topic and the artifact
 * suite's stand-in alike. Never kinder than SNS: what it refuses is refused here with its error code.
 */

/** The IAM action each API action is authorised as: PublishBatch is authorised as Publish. */
export const IAM_ACTIONS = { Publish: 'sns:Publish', PublishBatch: 'sns:Publish' } as const;
export type PublishAction = keyof typeof IAM_ACTIONS;

export interface QueryMessage {
  /** The batch entry's id (PublishBatch only). */
  id?: string;
  message: string;
  subject?: string;
  attributes: Record<string, MessageAttribute>;
}

export interface PublishRequest {
  action: PublishAction;
  topicArn: string;
  messages: QueryMessage[];
  /** The messages' weight together, as SNS limits and bills a request. */
  bytes: number;
}

/** An entry of a PublishBatch that was not published, as SNS reports it among the answer's Failed members. */
export interface FailedEntry {
  id: string;
  code: string;
  message: string;
  senderFault: boolean;
}

/** What SNS answers a request it refuses whole. */
export class SnsError extends Error {
  override readonly name = 'SnsError';
  readonly status: number;
  readonly code: string;
  constructor(status: number, code: string, message: string) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

const NS = 'http://sns.amazonaws.com/doc/2010-03-31/';
/** A batch entry id: 1 to 80 letters, digits, hyphens and underscores. */
const ENTRY_ID = /^[A-Za-z0-9_-]{1,80}$/;

export function isPublishAction(action: string | null): action is PublishAction {
  return action !== null && Object.hasOwn(IAM_ACTIONS, action);
}

/** A Publish or PublishBatch request from its form, checked as SNS checks it (but for the topic): or an SnsError. */
export function readPublish(form: URLSearchParams): PublishRequest {
  const action = form.get('Action');
  if (!isPublishAction(action))
    throw new SnsError(400, 'InvalidAction', `The action ${action} is not valid for this web service.`);
  const topicArn = form.get('TopicArn') ?? '';
  if (action === 'Publish') {
    const message = messageAt(form, '');
    const bytes = messageBytes(message.message, message.attributes);
    if (bytes > SNS_PUBLISH.payloadBytes)
      throw new SnsError(400, 'InvalidParameter', 'Invalid parameter: Message too long');
    return { action, topicArn, messages: [message], bytes };
  }
  const messages: QueryMessage[] = [];
  for (let n = 1; form.has(`PublishBatchRequestEntries.member.${n}.Id`); n++)
    messages.push(messageAt(form, `PublishBatchRequestEntries.member.${n}.`));
  if (messages.length === 0)
    throw new SnsError(400, 'EmptyBatchRequest', "The batch request doesn't contain any entries.");
  if (messages.length > SNS_PUBLISH.batchEntries)
    throw new SnsError(
      400,
      'TooManyEntriesInBatchRequest',
      'The batch request contains more entries than permissible.',
    );
  const ids = messages.map((m) => m.id!);
  if (new Set(ids).size < ids.length)
    throw new SnsError(
      400,
      'BatchEntryIdsNotDistinct',
      'Two or more batch entries in the request have the same Id.',
    );
  const invalid = ids.find((id) => !ENTRY_ID.test(id));
  if (invalid !== undefined)
    throw new SnsError(
      400,
      'InvalidBatchEntryId',
      `The Id of a batch entry in a batch request doesn't abide by the specification: ${invalid}`,
    );
  const bytes = messages.reduce((sum, m) => sum + messageBytes(m.message, m.attributes), 0);
  if (bytes > SNS_PUBLISH.payloadBytes)
    throw new SnsError(
      400,
      'BatchRequestTooLong',
      'The length of all the messages put together is more than the limit.',
    );
  return { action, topicArn, messages, bytes };
}

/** SNS's answer to a request it took: each message's id, in the order of the request's messages. */
export function publishAnswer(
  request: PublishRequest,
  messageIds: string[],
  requestId: string,
  failed: FailedEntry[] = [],
): string {
  const metadata = `<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata>`;
  if (request.action === 'Publish')
    return `<PublishResponse xmlns="${NS}"><PublishResult><MessageId>${messageIds[0]}</MessageId></PublishResult>${metadata}</PublishResponse>`;
  const successful = request.messages
    .map((m, i) => ({ id: m.id!, messageId: messageIds[i] }))
    .filter((s) => !failed.some((f) => f.id === s.id))
    .map((s) => `<member><Id>${xml(s.id)}</Id><MessageId>${s.messageId}</MessageId></member>`)
    .join('');
  const refused = failed
    .map(
      (f) =>
        `<member><Id>${xml(f.id)}</Id><Code>${xml(f.code)}</Code><Message>${xml(f.message)}</Message><SenderFault>${f.senderFault}</SenderFault></member>`,
    )
    .join('');
  return `<PublishBatchResponse xmlns="${NS}"><PublishBatchResult><Successful>${successful}</Successful><Failed>${refused}</Failed></PublishBatchResult>${metadata}</PublishBatchResponse>`;
}

/** SNS's answer to a request it refused. */
export function errorAnswer(error: SnsError, requestId: string): string {
  return `<ErrorResponse xmlns="${NS}"><Error><Type>Sender</Type><Code>${xml(error.code)}</Code><Message>${xml(error.message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`;
}

function messageAt(form: URLSearchParams, prefix: string): QueryMessage {
  const attributes: Record<string, MessageAttribute> = {};
  for (let n = 1; form.has(`${prefix}MessageAttributes.entry.${n}.Name`); n++) {
    const at = `${prefix}MessageAttributes.entry.${n}`;
    const text = form.get(`${at}.Value.StringValue`);
    attributes[form.get(`${at}.Name`)!] = {
      DataType: form.get(`${at}.Value.DataType`) ?? '',
      ...(text !== null && { StringValue: text }),
    };
  }
  const id = form.get(`${prefix}Id`);
  const subject = form.get(`${prefix}Subject`);
  return {
    ...(id !== null && { id }),
    message: form.get(`${prefix}Message`) ?? '',
    ...(subject !== null && { subject }),
    attributes,
  };
}

function xml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
