import { type FormEvent, useState } from "react";
import { Link, Navigate, useLocation, useNavigate } from "react-router-dom";
import { useAuth } from "../auth/AuthProvider";
import { Button, ErrorMessage, TextField } from "../components/ui";
import { useAction } from "../lib/useAction";

export default function SignIn() {
  const { status, signIn } = useAuth();
  const navigate = useNavigate();
  const location = useLocation();
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const { busy, error, run } = useAction();
  const next = (location.state as { from?: string } | null)?.from ?? "/";

  if (status === "signed-in") return <Navigate to={next} replace />;

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (await run(() => signIn(email, password))) navigate(next, { replace: true });
  }

  return (
    <main className="auth-page">
      <form className="card auth-card" onSubmit={submit} aria-labelledby="sign-in-title">
        <h1 id="sign-in-title">Sign in to Cabinet</h1>
        <ErrorMessage error={error} />
        <TextField label="Email" type="email" autoComplete="username" required value={email} onChange={(e) => setEmail(e.target.value)} />
        <TextField label="Password" type="password" autoComplete="current-password" required value={password} onChange={(e) => setPassword(e.target.value)} />
        <Button type="submit" variant="primary" busy={busy}>
          Sign in
        </Button>
        <p className="muted">
          New here? <Link to="/sign-up">Create an account</Link>
        </p>
      </form>
    </main>
  );
}
