/**
 * btf/: the BPF Type Format as the kernel carries it (/sys/kernel/btf/vmlinux,
 * .BTF sections of vmlinux and modules), every kind up to ENUM64, split BTF.
 * Conversion to the types/ model lives beside this once types/ exists.
 */
export * from './constants.js';
export { Btf, isBtf, type BtfHeader, type BtfOpenOptions } from './btf.js';
export type {
  BtfType, BtfTypeId, BtfInt, BtfRef, BtfArray, BtfMember, BtfStruct, BtfEnum, BtfEnum64, BtfFwd, BtfFunc,
  BtfFuncProto, BtfVar, BtfDatasec, BtfFloat, BtfDeclTag,
} from './records.js';
export { formatBtfRaw, writeBtfRaw, type RawSink } from './raw.js';
export { loadBtf, btfBytes } from './load.js';
export { BtfTypes, type BtfTypesOptions } from './to-types.js';
