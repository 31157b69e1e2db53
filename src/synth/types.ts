import type { CONTRACT_TYPES } from "../contract/tables.js";

export type ContractType = (typeof CONTRACT_TYPES)[number];
