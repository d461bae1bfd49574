/** Reading options out of a decoded message or IA: the first of a type, all of a type. */
import type { Dhcpv6Option, OptionOf, OptionType } from './types.js';

/** The first option of `type`, or undefined. */
export function findOption<T extends OptionType>(
  options: readonly Dhcpv6Option[],
  type: T,
): OptionOf<T> | undefined {
  return options.find((option): option is OptionOf<T> => option.type === type);
}

/** Every option of `type`, in wire order (IA_NA may repeat, RFC 8415 §21.4). */
export function findOptions<T extends OptionType>(options: readonly Dhcpv6Option[], type: T): OptionOf<T>[] {
  return options.filter((option): option is OptionOf<T> => option.type === type);
}
