/**
 * admi.002 Message Reject (admi.002.001.01): what the hub answers to an ISO 20022 XML message it
 * cannot accept at all (not well-formed, wrong schema, bad signature, unknown message, ...).
 */
export interface MessageReject {
  /** The rejected message: its BAH BizMsgIdr when it could be read, else `NONREF`. */
  RltdRef: { Ref: string };
  Rsn: {
    /** Reason code (Max35Text): an ISO ExternalStatusReason1Code such as FF01, DS0B. */
    RjctgPtyRsn: string;
    RjctnDtTm?: string;
    /** Where in the message (Max350Text): line, column and element path. */
    ErrLctn?: string;
    /** Description (Max350Text). */
    RsnDesc?: string;
    /** More data (Max20000Text). */
    AddtlData?: string;
  };
}
