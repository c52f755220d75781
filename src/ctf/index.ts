/**
 * ctf/: CTF format v3 as binutils 2.40's libctf reads and writes it: dicts
 * (both byte orders, zlib-compressed or not, parent and child), archives, the
 * raw type records of every kind, and the writer. Conversion to and from the
 * types/ model lives beside these once types/ exists.
 */
export * from './constants.js';
export { CtfDict, type CtfDictData, type CtfNamedType, type CtfOpenOptions, type CtfSymType } from './dict.js';
export { readHeader, ctfByteOrder, type CtfHeader } from './header.js';
export type {
  CtfType, CtfTypeId, CtfIntType, CtfRefType, CtfArrayType, CtfFunctionType, CtfStructType, CtfMember,
  CtfEnumType, CtfEnumerator, CtfForwardType, CtfSliceType, CtfUnknownType,
} from './records.js';
export { sliceOf as ctfSlice } from './records.js';
export { writeDict, type CtfWriteOptions } from './write.js';
export { readArchive, writeArchive, isCtfArchive, type CtfArchive, type CtfArchiveMember } from './archive.js';
export { openCtf, type CtfSet, type OpenCtfOptions } from './open.js';
export { ctfTypeName } from './names.js';
export { listDict, dictJson, dictTypesJson } from './listing.js';
export { loadCtf, isElfFile } from './load.js';
export { CtfTypes, type CtfTypesOptions } from './to-types.js';
export { typesToCtf, type TypesToCtfOptions, type TypesToCtfResult } from './from-types.js';
