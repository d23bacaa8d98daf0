// The payload of `store/didChange` as the trees use it.
export interface StoreChange {
  realmIds?: number[];
  userIds?: number[];
}
