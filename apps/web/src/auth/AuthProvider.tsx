// Who is signed in. On start the refresh cookie (HttpOnly, set at sign-in)
// is traded for an access token, so a reload keeps the session; the token
// itself lives only in memory.
import { createContext, type ReactNode, useCallback, useContext, useEffect, useMemo, useState } from "react";
import { useQueryClient } from "@tanstack/react-query";
import { api, onTokenChange, refreshAccessToken, setAccessToken, type TokenResponse } from "../api/client";
import type { User } from "../api/types";

type Status = "loading" | "signed-out" | "signed-in";

interface AuthState {
  status: Status;
  user: User | null;
  signIn: (email: string, password: string) => Promise<void>;
  signUp: (email: string, password: string, displayName: string) => Promise<void>;
  signOut: () => Promise<void>;
}

const AuthContext = createContext<AuthState | null>(null);

export function AuthProvider({ children }: { children: ReactNode }) {
  const [status, setStatus] = useState<Status>("loading");
  const [user, setUser] = useState<User | null>(null);
  const queries = useQueryClient();

  const loadUser = useCallback(async () => {
    const me = await api.get<User>("/me");
    setUser(me.data);
    setStatus("signed-in");
  }, []);

  useEffect(() => {
    let live = true;
    refreshAccessToken().then(async (token) => {
      if (!live) return;
      if (token) {
        await loadUser().catch(() => setStatus("signed-out"));
      } else {
        setStatus("signed-out");
      }
    });
    // A refresh that fails later (the session was revoked) signs out here too.
    const unsubscribe = onTokenChange((token) => {
      if (!token) {
        setUser(null);
        setStatus("signed-out");
      }
    });
    return () => {
      live = false;
      unsubscribe();
    };
  }, [loadUser]);

  const signIn = useCallback(
    async (email: string, password: string) => {
      const response = await api.post<TokenResponse>("/auth/login", { email, password });
      setAccessToken(response.data.access_token);
      await loadUser();
    },
    [loadUser],
  );

  const signUp = useCallback(
    async (email: string, password: string, displayName: string) => {
      await api.post("/auth/register", { email, password, display_name: displayName });
      await signIn(email, password);
    },
    [signIn],
  );

  const signOut = useCallback(async () => {
    await api.post("/auth/logout", {}).catch(() => undefined);
    setAccessToken(null);
    queries.clear();
  }, [queries]);

  const value = useMemo(() => ({ status, user, signIn, signUp, signOut }), [status, user, signIn, signUp, signOut]);
  return <AuthContext.Provider value={value}>{children}</AuthContext.Provider>;
}

export function useAuth(): AuthState {
  const auth = useContext(AuthContext);
  if (!auth) throw new Error("useAuth outside AuthProvider");
  return auth;
}
