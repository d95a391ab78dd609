import { type RouteSectionProps, useLocation } from "@solidjs/router";
import { Show } from "solid-js";
import { Layout } from "./Layout";

/** Paths whose screens bring their own header: the support operators' console is not a subscriber's page. */
export const ownHeader = (pathname: string) => pathname === "/ops/support" || pathname.startsWith("/ops/support/");

/**
 * The router's root: the subscriber's layout (header with «Войти», menu, footer) for the site, and nothing
 * around the operators' console, which has its own header with the operator and «Выйти».
 */
export function Shell(props: RouteSectionProps) {
  const location = useLocation();
  return (
    <Show when={ownHeader(location.pathname)} fallback={<Layout {...props} />}>
      {props.children}
    </Show>
  );
}
