import { Link } from "react-router-dom";
import { EmptyState } from "../components/ui";

export default function NotFound() {
  return (
    <EmptyState title="This page does not exist">
      <Link to="/">Go to your documents</Link>
    </EmptyState>
  );
}
