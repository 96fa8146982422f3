import { type FormEvent, useState } from "react";
import { Link, Navigate, useNavigate } from "react-router-dom";
import { useAuth } from "../auth/AuthProvider";
import { toProblem } from "../api/problem";
import { Button, ErrorMessage, TextField } from "../components/ui";
import { useAction } from "../lib/useAction";

export default function SignUp() {
  const { status, signUp } = useAuth();
  const navigate = useNavigate();
  const [name, setName] = useState("");
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const { busy, error, run } = useAction();

  if (status === "signed-in") return <Navigate to="/" replace />;
  const fieldError = (field: string) => toProblem(error).errors?.find((e) => e.field === field)?.message;

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (await run(() => signUp(email, password, name))) navigate("/", { replace: true });
  }

  return (
    <main className="auth-page">
      <form className="card auth-card" onSubmit={submit} aria-labelledby="sign-up-title">
        <h1 id="sign-up-title">Create your account</h1>
        {error && !toProblem(error).errors ? <ErrorMessage error={error} /> : null}
        <TextField label="Your name" autoComplete="name" required value={name} onChange={(e) => setName(e.target.value)} error={fieldError("display_name")} />
        <TextField label="Email" type="email" autoComplete="email" required value={email} onChange={(e) => setEmail(e.target.value)} error={fieldError("email")} />
        <TextField
          label="Password"
          type="password"
          autoComplete="new-password"
          required
          minLength={8}
          hint="At least 8 characters; a passphrase is best."
          value={password}
          onChange={(e) => setPassword(e.target.value)}
          error={fieldError("password")}
        />
        <Button type="submit" variant="primary" busy={busy}>
          Create account
        </Button>
        <p className="muted">
          Have an account? <Link to="/sign-in">Sign in</Link>
        </p>
      </form>
    </main>
  );
}
